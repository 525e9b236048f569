using Yak.Environments.Spec;
using Yak.Testing;

namespace Yak.Environments.Tests;

/// <summary>Writes spec text into a temp folder (with a few sub-folders to sync) and loads it.</summary>
internal sealed class SpecFixture : IDisposable
{
    private readonly TempDirectory temp = new("yak-env-");

    public SpecFixture()
    {
        Directory.CreateDirectory(temp.Combine("web"));
        Directory.CreateDirectory(temp.Combine("api"));
        File.WriteAllText(temp.Combine("notes.txt"), "a file, not a folder");
    }

    public string Dir => temp.Path;

    public LoadResult Load(string text, string fileName = "yak.yaml")
    {
        var path = temp.Combine(fileName);
        File.WriteAllText(path, text);
        return EnvironmentSpecLoader.Load(path);
    }

    public EnvironmentSpec LoadOk(string text, string fileName = "yak.yaml")
    {
        var result = Load(text, fileName);
        Assert.True(result.Success, string.Join("\n", Relative(result.Errors)));
        return result.Spec!;
    }

    /// <summary>The messages with the temp folder stripped, so they read <c>yak.yaml:3:5: …</c>.</summary>
    public IReadOnlyList<string> Relative(IEnumerable<Diagnostics.SpecDiagnostic> diagnostics) =>
        [.. diagnostics.Select(d => d.ToString().Replace(Dir + Path.DirectorySeparatorChar, string.Empty, StringComparison.Ordinal))];

    public IReadOnlyList<string> Errors(string text, string fileName = "yak.yaml")
    {
        var result = Load(text, fileName);
        Assert.Null(result.Spec);
        return Relative(result.Errors);
    }

    public void Dispose() => temp.Dispose();
}

/// <summary>Compares diagnostics line by line, so a failure shows the exact text.</summary>
internal static class Lines
{
    public static void Equal(IEnumerable<string> expected, IEnumerable<string> actual) =>
        Assert.Equal(string.Join("\n", expected), string.Join("\n", actual));
}
