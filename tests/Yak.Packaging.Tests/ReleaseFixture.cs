using System.Diagnostics;
using Yak.Testing;

namespace Yak.Packaging.Tests;

/// <summary>
/// Runs <c>packaging/build.sh</c> once per test run for linux-x64 (tarball and .deb, the amd64 agent, no
/// ReadyToRun: the layout is the release's, the build stays within CI's budget) and shares its output folder.
/// </summary>
public sealed class ReleaseFixture : IAsyncLifetime
{
    private readonly TempDirectory output = new("yk-pkg-");

    public string Output => output.Path;

    public string Version { get; private set; } = string.Empty;

    public static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "YakDaemon.sln")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException($"no YakDaemon.sln above {AppContext.BaseDirectory}");
        }
    }

    public string Tarball => Path.Combine(Output, $"yak-{Version}-linux-x64.tar.gz");

    public string Deb => Path.Combine(Output, $"yak_{Version}_amd64.deb");

    public async Task InitializeAsync()
    {
        var info = ProcessRunner.StartInfo(
            "bash",
            [Path.Combine(RepositoryRoot, "packaging", "build.sh"), "--platform", "linux-x64", "--formats", "tar,deb", "--agents", "linux-amd64", "--no-r2r", "--out", Output]);
        var result = await ProcessRunner.RunAsync(info, TimeSpan.FromMinutes(20));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"packaging/build.sh failed: {result}");
        }

        Version = File.ReadLines(Path.Combine(RepositoryRoot, "Directory.Build.props"))
            .Select(l => l.Trim())
            .First(l => l.StartsWith("<Version>", StringComparison.Ordinal))["<Version>".Length..].Split('<')[0];
    }

    public Task DisposeAsync()
    {
        output.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Runs <paramref name="program"/> (an installed yakctl) and returns its result.</summary>
    public static Task<ProcessResult> RunAsync(string program, IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        ProcessRunner.RunAsync(ProcessRunner.StartInfo(program, arguments, environment), TimeSpan.FromMinutes(4));

    /// <summary>Unpacks with the system's tools, as a user would.</summary>
    public static async Task UnpackAsync(string fileName, IEnumerable<string> arguments)
    {
        using var process = Process.Start(ProcessRunner.StartInfo(fileName, arguments)) ?? throw new InvalidOperationException($"could not start {fileName}");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(process.ExitCode == 0, $"{fileName} failed: {error}");
    }
}

[CollectionDefinition(Name)]
public sealed class ReleaseCollection : ICollectionFixture<ReleaseFixture>
{
    public const string Name = "release";
}
