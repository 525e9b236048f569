using System.Diagnostics;
using Yak.Protocol.Transport;

namespace Yak.Client;

/// <summary>
/// Connects to yakd, starting it first when none answers. Racing clients serialise on a spawn lock, and each
/// re-checks for a daemon once it holds the lock, so ten clients at once still start exactly one yakd.
/// </summary>
public sealed class DaemonLauncher(DaemonEndpoint endpoint, string clientName)
{
    public const string NoAutostartVariable = "YAK_NO_AUTOSTART";

    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>How long to wait for a freshly started daemon to answer (a cold .NET start on a small machine).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Told once when this client starts the daemon (so users see why the first call takes a moment).</summary>
    public Action<string>? Progress { get; init; }

    public static bool AutostartDisabled => Environment.GetEnvironmentVariable(NoAutostartVariable) is "1" or "true";

    /// <summary>Connects; when nothing answers, starts yakd unless <paramref name="autostart"/> is false.</summary>
    public async Task<DaemonClient> ConnectAsync(bool autostart, CancellationToken cancellationToken)
    {
        try
        {
            return await DaemonClient.ConnectAsync(endpoint, clientName, cancellationToken).ConfigureAwait(false);
        }
        catch (DaemonUnavailableException) when (autostart)
        {
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StartTimeout);
        Process? spawned = null;
        try
        {
            while (true)
            {
                if (await TryConnectAsync(deadline.Token).ConfigureAwait(false) is { } client)
                {
                    return client;
                }

                if (spawned is null && TryTakeSpawnLock() is { } spawnLock)
                {
                    using (spawnLock)
                    {
                        // Another client may have started one while we waited for the lock.
                        if (await TryConnectAsync(deadline.Token).ConfigureAwait(false) is { } existing)
                        {
                            return existing;
                        }

                        Progress?.Invoke($"Starting yakd (socket {endpoint.SocketPath})…");
                        spawned = Spawn();
                        return await WaitForDaemonAsync(spawned, deadline.Token).ConfigureAwait(false);
                    }
                }

                await Task.Delay(RetryInterval, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DaemonUnavailableException(
                $"yakd did not answer on {endpoint.SocketPath} within {StartTimeout.TotalSeconds:0} s of being started; see {endpoint.LogDirectory}.");
        }
        finally
        {
            spawned?.Dispose();
        }
    }

    private async Task<DaemonClient> WaitForDaemonAsync(Process spawned, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await TryConnectAsync(cancellationToken).ConfigureAwait(false) is { } client)
            {
                return client;
            }

            // The launcher shell stays until yakd exits; an early exit means yakd failed or lost a race.
            if (spawned.HasExited && spawned.ExitCode != 0 && spawned.ExitCode != 3)
            {
                throw new DaemonUnavailableException(
                    $"yakd exited with code {spawned.ExitCode} while starting; see {Path.Combine(endpoint.LogDirectory, "yakd-start.log")}.");
            }

            await Task.Delay(RetryInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<DaemonClient?> TryConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await DaemonClient.ConnectAsync(endpoint, clientName, cancellationToken).ConfigureAwait(false);
        }
        catch (DaemonUnavailableException)
        {
            return null;
        }
    }

    private FileStream? TryTakeSpawnLock()
    {
        var directory = Path.GetDirectoryName(endpoint.SpawnLockFilePath)!;
        PrivateFiles.CreateDirectory(directory);
        try
        {
            return PrivateFiles.Open(endpoint.SpawnLockFilePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private Process Spawn()
    {
        var (fileName, arguments) = DaemonLocator.Resolve();
        PrivateFiles.CreateDirectory(endpoint.LogDirectory);
        var startLog = Path.Combine(endpoint.LogDirectory, "yakd-start.log");
        // Created here, private, so the shell's >> below appends to it instead of creating it with its umask.
        PrivateFiles.Open(startLog, FileMode.Append, FileAccess.Write, FileShare.ReadWrite).Dispose();
        ProcessStartInfo info;
        if (OperatingSystem.IsWindows())
        {
            info = new ProcessStartInfo(fileName) { UseShellExecute = false, CreateNoWindow = true };
            foreach (var a in arguments)
            {
                info.ArgumentList.Add(a);
            }

            info.ArgumentList.Add("--background");
        }
        else
        {
            // A new session (setsid) so the terminal's Ctrl+C does not reach the daemon, and stdio away from
            // ours so `yakctl … | cat` does not wait for the daemon to exit.
            info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(
                "umask 077; if command -v setsid >/dev/null 2>&1; then exec setsid \"$@\" </dev/null >>\"$YAK_START_LOG\" 2>&1; " +
                "else exec \"$@\" </dev/null >>\"$YAK_START_LOG\" 2>&1; fi");
            info.ArgumentList.Add("yakd-launcher");
            info.ArgumentList.Add(fileName);
            foreach (var a in arguments)
            {
                info.ArgumentList.Add(a);
            }

            info.ArgumentList.Add("--background");
            info.Environment["YAK_START_LOG"] = startLog;
        }

        // A source build's yakd has no agents beside it: hand it the ones the build recorded (packages need none of this).
        foreach (var (variable, key) in new[] { ("YAK_AGENTS_DIR", "agents"), ("YAK_AGENT_PATH", "yak-agent") })
        {
            if (Environment.GetEnvironmentVariable(variable) is not { Length: > 0 } && ProgramLocator.DevLayout(key) is { } recorded)
            {
                info.Environment[variable] = recorded;
            }
        }

        return Process.Start(info) ?? throw new DaemonUnavailableException($"Could not start {fileName}.");
    }
}
