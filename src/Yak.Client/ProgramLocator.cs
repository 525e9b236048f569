namespace Yak.Client;

/// <summary>
/// Finds yak's companion programs (yakd, yak-local-cluster, yak-agent): a configured path, else beside the calling
/// program (every package lays them out in one folder), else what a source build recorded in
/// <see cref="DevLayoutFile"/> beside it (packaging/dev-layout.targets: <c>dotnet run --project src/Yak.Cli</c>),
/// else PATH. A <c>.dll</c> runs with the dotnet host running us.
/// </summary>
public static class ProgramLocator
{
    /// <summary>Lines <c>NAME=ABSOLUTE-PATH</c> written by a source build of yakctl; packages have none.</summary>
    public const string DevLayoutFile = "yak.dev-layout";

    /// <summary>The program's path, or null when it is nowhere.</summary>
    public static string? Find(string program, string? configured)
    {
        if (configured is { Length: > 0 })
        {
            return configured;
        }

        var directory = AppContext.BaseDirectory;
        var apphost = Path.Combine(directory, OperatingSystem.IsWindows() ? program + ".exe" : program);
        if (File.Exists(apphost))
        {
            return apphost;
        }

        var dll = Path.Combine(directory, program + ".dll");
        if (File.Exists(dll))
        {
            return dll;
        }

        return DevLayout(program) ?? (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, OperatingSystem.IsWindows() ? program + ".exe" : program))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>What the source build recorded for <paramref name="key"/> (a program, or <c>agents</c>), if it still exists.</summary>
    public static string? DevLayout(string key)
    {
        var file = Path.Combine(AppContext.BaseDirectory, DevLayoutFile);
        if (!File.Exists(file))
        {
            return null;
        }

        foreach (var line in File.ReadLines(file).Take(64))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && line[..eq].Trim() == key)
            {
                var path = line[(eq + 1)..].Trim();
                return File.Exists(path) || Directory.Exists(path) ? path : null;
            }
        }

        return null;
    }

    /// <summary>The command line that runs <paramref name="path"/>: the file to execute and its leading arguments.</summary>
    public static (string FileName, IReadOnlyList<string> Arguments) CommandLine(string path) =>
        path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? (DaemonLocator.DotnetHost(), [path]) : (path, []);
}
