namespace Yak.Testing;

/// <summary>
/// A private world for one test's yak processes: its own runtime, state and config folders (XDG_*), its own
/// socket, and autostart pointing at the yakd beside the tests. Nothing touches the real user's daemon.
/// </summary>
public sealed class YakSandbox : IDisposable
{
    private readonly TempDirectory root = new("yk-");

    public YakSandbox()
    {
        Directory.CreateDirectory(RuntimeDirectory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(RuntimeDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public string Root => root.Path;

    public string RuntimeDirectory => Path.Combine(root.Path, "run");

    public string StateHome => Path.Combine(root.Path, "state");

    public string ConfigHome => Path.Combine(root.Path, "config");

    /// <summary>Where yakd will listen: <c>$XDG_RUNTIME_DIR/yak/yakd.sock</c>.</summary>
    public string SocketPath => Path.Combine(RuntimeDirectory, "yak", "yakd.sock");

    public string LogDirectory => Path.Combine(StateHome, "yak", "logs");

    public Dictionary<string, string?> Environment(bool autostart = true) => new()
    {
        ["XDG_RUNTIME_DIR"] = RuntimeDirectory,
        ["XDG_STATE_HOME"] = StateHome,
        ["XDG_CONFIG_HOME"] = ConfigHome,
        ["HOME"] = root.Path,
        ["YAK_SOCKET"] = null,
        ["YAK_NO_AUTOSTART"] = autostart ? null : "1",
        ["YAK_DAEMON_PATH"] = YakdUnderTest.DaemonPath,
        ["DOTNET_NOLOGO"] = "1",
    };

    /// <summary>Reads the pids of yakd processes started by this sandbox (matched on the socket folder in their environment).</summary>
    public IReadOnlyList<int> RunningDaemonPids()
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                var environ = File.ReadAllText(Path.Combine(dir, "environ"));
                if (cmdline.Contains("yakd", StringComparison.Ordinal) && environ.Contains($"XDG_RUNTIME_DIR={RuntimeDirectory}\0", StringComparison.Ordinal))
                {
                    pids.Add(pid);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return pids;
    }

    /// <summary>Kills every yakd this sandbox started, then removes its folders.</summary>
    public void Dispose()
    {
        if (OperatingSystem.IsLinux())
        {
            foreach (var pid in RunningDaemonPids())
            {
                try
                {
                    using var process = System.Diagnostics.Process.GetProcessById(pid);
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5000);
                }
                catch (ArgumentException)
                {
                }
                catch (InvalidOperationException)
                {
                }
            }
        }

        root.Dispose();
    }
}
