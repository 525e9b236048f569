using System.Runtime.InteropServices;

namespace Yak.Protocol.Transport;

/// <summary>
/// Where yakd listens and keeps its files. One daemon per user: everything is derived from the user's
/// XDG folders (or their defaults), and <c>YAK_SOCKET</c> overrides the socket path.
/// </summary>
public sealed class DaemonEndpoint
{
    public const string SocketOverrideVariable = "YAK_SOCKET";
    public const string SocketFileName = "yakd.sock";

    private DaemonEndpoint(string socketPath, bool socketOverridden, string stateDirectory, string configDirectory)
    {
        SocketPath = socketPath;
        SocketFolderIsYaks = !socketOverridden;
        StateDirectory = stateDirectory;
        ConfigDirectory = configDirectory;
    }

    /// <summary>Unix socket path, or on Windows the pipe name.</summary>
    public string SocketPath { get; }

    public string SocketDirectory => Path.GetDirectoryName(SocketPath) ?? SocketPath;

    /// <summary>
    /// True for the default socket folder, named for yak alone (<c>$XDG_RUNTIME_DIR/yak</c>, <c>/tmp/yak-&lt;uid&gt;</c>):
    /// yakd may tighten its mode. A folder chosen with <c>YAK_SOCKET</c> may be shared (/tmp) and is never changed.
    /// </summary>
    public bool SocketFolderIsYaks { get; }

    /// <summary><c>$XDG_STATE_HOME/yak</c>: sessions, caches, logs.</summary>
    public string StateDirectory { get; }

    public string LogDirectory => Path.Combine(StateDirectory, "logs");

    /// <summary><c>$XDG_CONFIG_HOME/yak</c>.</summary>
    public string ConfigDirectory { get; }

    /// <summary>Held by the running daemon; a second one fails to take it and refuses to start.</summary>
    public string LockFilePath => Path.Combine(OperatingSystem.IsWindows() ? StateDirectory : SocketDirectory, "yakd.lock");

    /// <summary>The running daemon's pid, written when it takes <see cref="LockFilePath"/> (<see cref="PidFileFor"/>).</summary>
    public string PidFilePath => PidFileFor(LockFilePath);

    /// <summary>The pid file beside a lock file: <c>yakd.lock</c> → <c>yakd.pid</c>.</summary>
    public static string PidFileFor(string lockFilePath) => Path.ChangeExtension(lockFilePath, ".pid");

    /// <summary>Held by a client while it spawns a daemon, so racing clients spawn only one.</summary>
    public string SpawnLockFilePath => Path.Combine(OperatingSystem.IsWindows() ? StateDirectory : SocketDirectory, "spawn.lock");

    public static DaemonEndpoint Resolve() => Resolve(Environment.GetEnvironmentVariable);

    public static DaemonEndpoint Resolve(Func<string, string?> getVariable)
    {
        var home = getVariable("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var stateHome = Absolute(getVariable("XDG_STATE_HOME")) ?? Path.Combine(home, ".local", "state");
        var configHome = Absolute(getVariable("XDG_CONFIG_HOME")) ?? Path.Combine(home, ".config");
        var overridden = getVariable(SocketOverrideVariable) is { Length: > 0 };
        var socket = overridden ? getVariable(SocketOverrideVariable)! : DefaultSocketPath(getVariable);
        return new DaemonEndpoint(socket, overridden, Path.Combine(stateHome, "yak"), Path.Combine(configHome, "yak"));
    }

    private static string DefaultSocketPath(Func<string, string?> getVariable)
    {
        if (OperatingSystem.IsWindows())
        {
            return WindowsPipeName.ForUser(Environment.UserDomainName, Environment.UserName);
        }

        if (Absolute(getVariable("XDG_RUNTIME_DIR")) is { } runtimeDir)
        {
            return Path.Combine(runtimeDir, "yak", SocketFileName);
        }

        // No runtime dir (ssh sessions, containers): a private folder in the temp dir named for the uid.
        return Path.Combine(Path.GetTempPath(), $"yak-{CurrentUser.EffectiveUserId}", SocketFileName);
    }

    // The XDG spec says relative values are invalid and must be ignored.
    private static string? Absolute(string? path) => path is { Length: > 0 } && Path.IsPathRooted(path) ? path : null;
}

/// <summary>The current user's numeric identity on Unix.</summary>
public static partial class CurrentUser
{
    public static uint EffectiveUserId => OperatingSystem.IsWindows() ? 0 : geteuid();

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
