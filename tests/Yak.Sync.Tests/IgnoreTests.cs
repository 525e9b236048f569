using Yak.Sync.Ignore;
using Yak.Testing;

namespace Yak.Sync.Tests;

public sealed class IgnoreTests
{
    private static readonly string[] Names = ["a", "b", "c", "ab", "x.txt", "y.log", "keep.log", "deep", "node_modules", "build", "é.md", "sp ace", "#hash", "!bang", "[q]"];

    private static readonly string[] Patterns =
    [
        "*.log", "!keep.log", "/a", "b/", "a/**/c", "**/x.txt", "a?", "[ab]*", "![ab]", "deep/*.txt", "\\#hash", "\\!bang",
        "node_modules/", "build", "/deep/", "**/deep/**", "c/", "!c", "*", "!*/", "ab/**", "*.md", "sp\\ ace", "sp ace  ",
        "[!a]b", "[[:alpha:]]", "\\[q]", "[q]", "*/b", "a/b/", "!/a/b", "**/b/*", "x.*", "# comment", "", "!deep/", "/*.txt",
    ];

    [Fact]
    public void IsIgnored_GeneratedTrees_AgreesWithGitCheckIgnore()
    {
        for (var seed = 0; seed < 30; seed++)
        {
            using var temp = new TempDirectory("yak-ign-");
            var random = new Random(seed);
            var paths = new List<(string Path, bool IsDir)>();
            Generate(random, temp.Path, "", 0, paths);
            GitProcess.Run(temp.Path, "init -q");

            var rules = new IgnoreRules(temp.Path, new IgnoreSettings { UseYakignore = false });
            var input = string.Concat(paths.Select(p => p.Path + "\0"));
            var output = GitProcess.Run(temp.Path, "-c core.quotepath=off check-ignore -z --stdin", input, allowExit1: true);
            var gitIgnored = output.Split('\0', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

            var disagreements = paths
                .Where(p => rules.IsIgnored(p.Path, p.IsDir) != gitIgnored.Contains(p.Path))
                .Select(p => $"{p.Path}{(p.IsDir ? "/" : "")}: git says {(gitIgnored.Contains(p.Path) ? "ignored" : "kept")}")
                .ToList();
            Assert.True(disagreements.Count == 0, $"seed {seed}:\n{string.Join("\n", disagreements.Take(15))}\n{DumpIgnoreFiles(temp.Path)}");
        }
    }

    [Fact]
    public void IsIgnored_YakignoreAndExcludes_OverrideGitignore()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.Combine(".gitignore"), "*.log\n");
        File.WriteAllText(temp.Combine(".yakignore"), "!keep.log\nsecret/\n");
        var rules = new IgnoreRules(temp.Path, new IgnoreSettings { Excludes = ["tmp/", "!x.log"] });
        Assert.True(rules.IsIgnored("a.log", false));
        Assert.False(rules.IsIgnored("keep.log", false));
        Assert.False(rules.IsIgnored("x.log", false));
        Assert.True(rules.IsIgnored("secret", true));
        Assert.True(rules.IsIgnored("secret/file", false));
        Assert.True(rules.IsIgnored("tmp/file", false));
        Assert.False(rules.IsIgnored("tmp", false));
        Assert.True(rules.IsIgnored(".git", true));
        Assert.True(rules.IsIgnored("sub/.git/config", false));
    }

    [Fact]
    public void IsIgnored_AfterInvalidate_SeesEditedIgnoreFile()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine("sub"));
        var rules = new IgnoreRules(temp.Path);
        Assert.False(rules.IsIgnored("sub/a.tmp", false));
        File.WriteAllText(temp.Combine("sub", ".gitignore"), "*.tmp\n");
        rules.Invalidate("sub");
        Assert.True(rules.IsIgnored("sub/a.tmp", false));
    }

    private static void Generate(Random random, string root, string relative, int depth, List<(string, bool)> paths)
    {
        var folder = relative.Length == 0 ? root : Path.Combine(root, relative);
        if (random.Next(3) > 0 || depth == 0)
        {
            var lines = Enumerable.Range(0, random.Next(1, 7)).Select(_ => Patterns[random.Next(Patterns.Length)]);
            File.WriteAllText(Path.Combine(folder, ".gitignore"), string.Join("\n", lines) + "\n");
        }

        foreach (var name in Names.OrderBy(_ => random.Next()).Take(random.Next(2, 7)))
        {
            var path = relative.Length == 0 ? name : relative + "/" + name;
            if (depth < 3 && random.Next(2) == 0)
            {
                Directory.CreateDirectory(Path.Combine(root, path));
                paths.Add((path, true));
                Generate(random, root, path, depth + 1, paths);
            }
            else
            {
                File.WriteAllText(Path.Combine(root, path), name);
                paths.Add((path, false));
            }
        }
    }

    private static string DumpIgnoreFiles(string root) => string.Join("\n", Directory
        .EnumerateFiles(root, ".gitignore", SearchOption.AllDirectories)
        .Select(f => $"--- {Path.GetRelativePath(root, f)}\n{File.ReadAllText(f)}"));
}
