using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;
using Yak.Protocol.Transport;

namespace Yak.Client;

/// <summary>Where a running local cluster is: recorded by <see cref="LocalClusterLauncher"/> in its state folder.</summary>
public sealed record LocalClusterState(
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("server")] string Server,
    [property: JsonPropertyName("kubeconfig")] string Kubeconfig,
    [property: JsonPropertyName("context")] string Context,
    [property: JsonPropertyName("stateDirectory")] string StateDirectory,
    [property: JsonPropertyName("logPath")] string LogPath,
    [property: JsonPropertyName("startedAt")] DateTimeOffset StartedAt);

/// <summary>The state file's compiled JSON metadata (yakctl is NativeAOT: no reflection).</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(LocalClusterState))]
internal sealed partial class LocalClusterStateJson : JsonSerializerContext;

/// <summary>
/// Starts <c>yak-local-cluster</c> in the background (its own session, so neither yakctl nor yakd owns it), waits
/// for the JSON line it prints when listening, and records pid, server and kubeconfig in
/// <c>$XDG_STATE_HOME/yak/local-cluster/cluster.json</c> so <c>status</c> and <c>stop</c> find it. The program is
/// <c>YAK_LOCAL_CLUSTER_PATH</c> if set (an apphost or a .dll), else beside the calling program, else on PATH.
/// </summary>
public sealed class LocalClusterLauncher(string stateDirectory)
{
    public const string PathVariable = "YAK_LOCAL_CLUSTER_PATH";
    public const string ContextName = "yak-local";
    private const string ProgramName = "yak-local-cluster";

    /// <summary>The launcher for this user's local cluster (<c>$XDG_STATE_HOME/yak/local-cluster</c>).</summary>
    public static LocalClusterLauncher Default => new(Path.Combine(DaemonEndpoint.Resolve().StateDirectory, "local-cluster"));

    public string StateDirectory { get; } = stateDirectory;

    public string StateFile => Path.Combine(StateDirectory, "cluster.json");

    public string KubeconfigPath => Path.Combine(StateDirectory, "kubeconfig");

    public string LogPath => Path.Combine(StateDirectory, "cluster.log");

    /// <summary>The running cluster, or null when none runs (a stale state file is removed).</summary>
    public async Task<LocalClusterState?> StatusAsync(CancellationToken cancellationToken)
    {
        LocalClusterState? state;
        try
        {
            state = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(StateFile, cancellationToken).ConfigureAwait(false), LocalClusterStateJson.Default.LocalClusterState);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }

        if (state is null || !IsAlive(state.Pid) || !await AnswersAsync(state.Server, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return state;
    }

    /// <summary>Returns the running cluster, starting one first when none runs.</summary>
    public async Task<(LocalClusterState State, bool Started)> EnsureStartedAsync(int port, CancellationToken cancellationToken)
    {
        PrivateFiles.CreateDirectory(StateDirectory);
        var gate = await AcquireGateAsync(cancellationToken).ConfigureAwait(false);
        await using var gateScope = gate.ConfigureAwait(false);
        if (await StatusAsync(cancellationToken).ConfigureAwait(false) is { } running)
        {
            return (running, false);
        }

        var (fileName, arguments) = Resolve();
        // Truncated, not replaced: 0600 from creation (the log names pods, paths and errors).
        await using (PrivateFiles.Open(LogPath, FileMode.Create, FileAccess.Write, FileShare.ReadWrite))
        {
        }

        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(
            "if command -v setsid >/dev/null 2>&1; then exec setsid \"$@\" </dev/null >>\"$YAK_CLUSTER_LOG\" 2>&1; " +
            "else exec \"$@\" </dev/null >>\"$YAK_CLUSTER_LOG\" 2>&1; fi");
        info.ArgumentList.Add("yak-local-cluster-launcher");
        info.ArgumentList.Add(fileName);
        foreach (var argument in arguments.Concat(["--port", port.ToString(CultureInfo.InvariantCulture), "--state-dir", StateDirectory, "--kubeconfig", KubeconfigPath]))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["YAK_CLUSTER_LOG"] = LogPath;
        using var process = Process.Start(info) ?? throw new DaemonUnavailableException($"Could not start {fileName}.");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            var ready = ReadyLine();
            if (ready is not null)
            {
                var state = new LocalClusterState(
                    ready.Value.GetProperty("pid").GetInt32(),
                    ready.Value.GetProperty("server").GetString()!,
                    ready.Value.GetProperty("kubeconfig").GetString()!,
                    ContextName,
                    StateDirectory,
                    LogPath,
                    DateTimeOffset.UtcNow);
                await PrivateFiles.WriteAtomicAsync(StateFile, JsonSerializer.SerializeToUtf8Bytes(state, LocalClusterStateJson.Default.LocalClusterState), cancellationToken).ConfigureAwait(false);
                return (state, true);
            }

            if (process.HasExited)
            {
                throw new InvalidOperationException($"yak-local-cluster exited with code {process.ExitCode} before it was ready:\n{Tail()}");
            }

            try
            {
                // The child writes its ready line to the log file; there is nothing to wait on but the file.
                await Task.Delay(100, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new InvalidOperationException($"yak-local-cluster did not report ready within 60 s (log: {LogPath}):\n{Tail()}");
            }
        }
    }

    /// <summary>Stops the running cluster (SIGTERM, then SIGKILL after 10 s). Returns its state, or null when none ran.</summary>
    public async Task<LocalClusterState?> StopAsync(CancellationToken cancellationToken)
    {
        var state = await StatusAsync(cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            File.Delete(StateFile);
            return null;
        }

        using var process = Process.GetProcessById(state.Pid);
        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", state.Pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false }))
        {
            if (kill is not null)
            {
                await kill.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }

        File.Delete(StateFile);
        return state;
    }

    /// <summary>The command line that runs yak-local-cluster: the file to execute and its leading arguments.</summary>
    public static (string FileName, IReadOnlyList<string> Arguments) Resolve()
    {
        var candidate = ProgramLocator.Find(ProgramName, Environment.GetEnvironmentVariable(PathVariable))
            ?? throw new DaemonUnavailableException(
                $"Cannot find {ProgramName}: it is not beside {AppContext.BaseDirectory} nor on PATH. Set {PathVariable} to the program.");
        return ProgramLocator.CommandLine(candidate);
    }

    private JsonElement? ReadyLine()
    {
        string[] lines;
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            lines = reader.ReadToEnd().Split('\n');
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        foreach (var line in lines.Where(l => l.StartsWith('{') && l.TrimEnd().EndsWith('}')))
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                if (document.RootElement.TryGetProperty("server", out _) && document.RootElement.TryGetProperty("kubeconfig", out _))
                {
                    return document.RootElement.Clone();
                }
            }
            catch (JsonException)
            {
            }
        }

        return null;
    }

    private string Tail()
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(20));
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether the cluster answers: any HTTP answer counts (401 included, no token is sent) from a server whose
    /// certificate chains to the cluster's own CA in the state folder — that proves it is this cluster, not another
    /// program on the port.
    /// </summary>
    private async Task<bool> AnswersAsync(string server, CancellationToken cancellationToken)
    {
        X509Certificate2 ca;
        try
        {
            ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(StateDirectory, "pki", "ca.crt"), cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return false;
        }

        using (ca)
        using (var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { ca },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            },
        })
        using (var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) })
        {
            try
            {
                using var response = await http.GetAsync(new Uri(new Uri(server), "/readyz"), cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }
    }

    /// <summary>An exclusive lock file so two clients starting the cluster at once start one.</summary>
    private async Task<IAsyncDisposable> AcquireGateAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(StateDirectory, "start.lock");
        while (true)
        {
            try
            {
                return PrivateFiles.Open(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
            }
            catch (IOException)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
