using System.Text.RegularExpressions;
using Yak.Protocol.Errors;

namespace Yak.Protocol.Tests;

/// <summary>
/// Holds the knowledge base together: every code in the catalogue has its page under docs/errors/ (heading = code
/// and title, the three sections), every page has its code, the index lists them all, and every YAKnnnn written
/// anywhere in the sources or docs is a code of the catalogue.
/// </summary>
public sealed partial class ErrorCatalogueTests
{
    private static readonly string Root = RepositoryRoot();

    private static readonly string Pages = Path.Combine(Root, "docs", "errors");

    public static TheoryData<string> Codes() => [.. YakErrors.All.Select(e => e.Code)];

    [Fact]
    public void Catalogue_Always_HasUniqueNumbersInOrder()
    {
        Assert.True(YakErrors.All.Count >= 30, "the checks below would pass vacuously");
        Assert.Equal(YakErrors.All.Count, YakErrors.All.Select(e => e.Number).Distinct().Count());
        Assert.Equal(YakErrors.All.OrderBy(e => e.Number).Select(e => e.Code), YakErrors.All.Select(e => e.Code));
        var fields = typeof(YakErrors).GetFields().Where(f => f.FieldType == typeof(YakError)).Select(f => (YakError)f.GetValue(null)!).ToList();
        Assert.Equal(fields.Count, YakErrors.All.Count);
        Assert.All(fields, f => Assert.Contains(f, YakErrors.All));
    }

    [Theory]
    [MemberData(nameof(Codes))]
    public void Code_Always_HasItsPageWithTitleAndSections(string code)
    {
        var error = YakErrors.Find(code)!;
        var path = Path.Combine(Root, error.Page);
        Assert.True(File.Exists(path), $"{error} has no page: write {error.Page}");
        var lines = File.ReadAllLines(path);
        Assert.Equal($"# {error.Code}: {error.Title}", lines[0]);
        foreach (var section in new[] { "## What it means", "## How to check", "## How to fix" })
        {
            Assert.True(lines.Contains(section), $"{error.Page} lacks the section '{section}'");
        }

        Assert.Matches(@"^[a-z'].*\.$", error.Fix);
        Assert.DoesNotContain('\n', error.Fix);
    }

    [Fact]
    public void Page_Always_HasItsCodeInTheCatalogueAndTheIndex()
    {
        var pages = Directory.GetFiles(Pages, "*.md").Select(Path.GetFileNameWithoutExtension).Where(n => n != "README").ToList();
        Assert.Equal(YakErrors.All.Count, pages.Count);
        var index = File.ReadAllText(Path.Combine(Pages, "README.md"));
        foreach (var page in pages)
        {
            Assert.True(YakErrors.Find(page!) is { } error && error.Code == page, $"docs/errors/{page}.md has no code in YakErrors");
            Assert.Contains($"[{page}]({page}.md)", index, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CodeWritten_AnywhereInSourcesAndDocs_IsInTheCatalogue()
    {
        var files = Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories))
            .Append(Path.Combine(Root, "README.md"))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        var seen = 0;
        foreach (var file in files)
        {
            foreach (Match match in CodePattern().Matches(File.ReadAllText(file)))
            {
                seen++;
                Assert.True(YakErrors.Find(match.Value) is not null, $"{Path.GetRelativePath(Root, file)} names {match.Value}, which is not in YakErrors");
            }
        }

        Assert.True(seen > YakErrors.All.Count, "the pages alone name every code");
    }

    [Fact]
    public void Code_Always_RaisedSomewhereInTheProduct()
    {
        var errors = Path.Combine(Root, "src", "Yak.Protocol", "Errors");
        var sources = string.Join('\n', Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(errors, StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText));
        foreach (var field in typeof(YakErrors).GetFields().Where(f => f.FieldType == typeof(YakError)))
        {
            Assert.True(
                Regex.IsMatch(sources, $@"\bYakErrors\.{field.Name}\b"),
                $"YakErrors.{field.Name} ({((YakError)field.GetValue(null)!).Code}) is raised nowhere: a code nobody prints documents nothing");
        }
    }

    [Fact]
    public void Find_CodeInAnyCaseOrNumber_FindsTheEntry()
    {
        Assert.Same(YakErrors.ClusterUnreachable, YakErrors.Find("YAK1201"));
        Assert.Same(YakErrors.ClusterUnreachable, YakErrors.Find("yak1201"));
        Assert.Same(YakErrors.ClusterUnreachable, YakErrors.Find("1201"));
        Assert.Null(YakErrors.Find("YAK9998"));
        Assert.Null(YakErrors.Find("YAK-1201"));
        Assert.Null(YakErrors.Find(null));
    }

    [GeneratedRegex(@"\bYAK\d{4}\b")]
    private static partial Regex CodePattern();

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "YakDaemon.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("YakDaemon.sln not found above the test folder");
    }
}
