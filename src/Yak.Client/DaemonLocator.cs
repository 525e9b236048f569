namespace Yak.Client;

/// <summary>
/// Finds the yakd program: <c>YAK_DAEMON_PATH</c> if set (an apphost or a .dll), else yakd beside the calling
/// program (both ship in one folder), else where a source build put it, else <c>yakd</c> on PATH (<see cref="ProgramLocator"/>).
/// </summary>
public static class DaemonLocator
{
    public const string PathVariable = "YAK_DAEMON_PATH";

    /// <summary>The command line that starts yakd: the file to execute and its leading arguments.</summary>
    public static (string FileName, IReadOnlyList<string> Arguments) Resolve()
    {
        var candidate = ProgramLocator.Find("yakd", Environment.GetEnvironmentVariable(PathVariable))
            ?? throw new DaemonUnavailableException(
                $"Cannot find yakd: it is not beside {AppContext.BaseDirectory} nor on PATH. Set {PathVariable} to the yakd program.");
        return ProgramLocator.CommandLine(candidate);
    }

    /// <summary>The dotnet host running us, so a framework-dependent yakd runs on the same runtime.</summary>
    public static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }

        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        var fromRoot = root is null ? null : Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return fromRoot is not null && File.Exists(fromRoot) ? fromRoot : "dotnet";
    }
}
