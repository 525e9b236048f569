using System.Diagnostics;
using System.Globalization;
using Yak.Benchmarks.Startup;
using Yak.Client;
using Yak.Protocol.Transport;
using Yak.Sync.Link;
using Yak.Sync.Session;
using Yak.Testing;

namespace Yak.Benchmarks.FirstSync;

/// <summary>One timed local first sync: until the replica equals the tree, and the CPU each side spent on it.</summary>
internal sealed record YakRun(TimeSpan Elapsed, long BytesOnWire, TimeSpan DaemonCpu, TimeSpan AgentCpu);

/// <summary>The daemon side of a local first sync: the engine in this process, or a published yakd driven through its RPC.</summary>
internal interface ILocalYak : IAsyncDisposable
{
    /// <summary>How the daemon side runs, for the report ("in-process, JIT" or "published yakd").</summary>
    string Build { get; }

    Task<YakRun> SyncAsync(string source, string target, string state, int round, CancellationToken cancellationToken);
}

internal static class LocalYak
{
    /// <summary><c>YAK_BENCH_BIN=DIR</c>: the published yakd in DIR (its agent beside it, as shipped); otherwise the engine in this process.</summary>
    public static async Task<ILocalYak> FromEnvironmentAsync(CancellationToken cancellationToken) =>
        Environment.GetEnvironmentVariable("YAK_BENCH_BIN") is { Length: > 0 } bin
            ? await PublishedYak.StartAsync(Path.GetFullPath(bin), cancellationToken)
            : new InProcessYak();
}

/// <summary>
/// The sync engine JIT-compiled in the benchmark's own process, with the agent yakd would start. It charges yak for
/// compiling code the shipped yakd has precompiled (ReadyToRun); the figure to quote is the published one.
/// </summary>
internal sealed class InProcessYak : ILocalYak
{
    public string Build => "in-process, JIT";

    public async Task<YakRun> SyncAsync(string source, string target, string state, int round, CancellationToken cancellationToken)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var connector = new LocalAgentConnector(target) { AgentCachePath = Path.Combine(state, "agent.scan") };
        var clock = Stopwatch.StartNew();
        TimeSpan elapsed;
        long wire;
        TimeSpan agentCpu;
        await using (var session = new SyncSession(new SyncSessionOptions { Name = "bench", LocalRoot = source, StateDirectory = state }, connector))
        {
            session.Start();
            await Timeline.FollowAsync(session, session.FlushAsync(cancellationToken));
            elapsed = clock.Elapsed; // the replica equals the tree (a baseline's end); closing the session is not part of it
            wire = session.GetStatus().BytesOnWire;
            agentCpu = CpuOf(connector.LastProcess?.Id); // read while it runs: an exited child's /proc entry is gone
        }

        return new YakRun(elapsed, wire, Process.GetCurrentProcess().TotalProcessorTime - cpu, agentCpu);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    internal static TimeSpan CpuOf(int? pid)
    {
        try
        {
            return pid is { } id ? ProcessCpu.OfRunning(id) : TimeSpan.Zero;
        }
        catch (DirectoryNotFoundException)
        {
            return TimeSpan.Zero; // already gone
        }
    }
}

/// <summary>
/// A published yakd (self-contained, ReadyToRun, its NativeAOT agent in agents/) in a sandbox of its own, driven as a
/// user drives it: <c>sync/create</c> with a <c>local:</c> endpoint, then <c>sync/flush</c>, timed from the create to
/// the flush's answer. One yakd serves every round (a user's yakd runs all day); each round is a new session.
/// </summary>
internal sealed class PublishedYak : ILocalYak
{
    private readonly YakSandbox sandbox;
    private readonly Process daemon;
    private readonly DaemonClient client;

    private PublishedYak(YakSandbox sandbox, Process daemon, DaemonClient client)
    {
        this.sandbox = sandbox;
        this.daemon = daemon;
        this.client = client;
    }

    public string Build => "published yakd";

    public static async Task<PublishedYak> StartAsync(string bin, CancellationToken cancellationToken)
    {
        var yakd = Path.Combine(bin, "yakd");
        if (!File.Exists(yakd))
        {
            throw new FileNotFoundException($"YAK_BENCH_BIN={bin}: no yakd there; unpack packaging/build.sh --platform linux-x64 --formats tar --agents linux-amd64's tarball and point at its folder", yakd);
        }

        var sandbox = new YakSandbox();
        var environment = sandbox.Environment(autostart: false);
        var daemon = Process.Start(ProcessRunner.StartInfo(yakd, ["--background"], environment))!;
        daemon.StandardInput.Close();
        daemon.BeginOutputReadLine();
        daemon.BeginErrorReadLine();
        try
        {
            var client = await DaemonWait.ConnectAsync(DaemonEndpoint.Resolve(n => environment.TryGetValue(n, out var v) ? v : null), cancellationToken);
            return new PublishedYak(sandbox, daemon, client);
        }
        catch
        {
            daemon.Kill(entireProcessTree: true);
            daemon.Dispose();
            sandbox.Dispose();
            throw;
        }
    }

    public async Task<YakRun> SyncAsync(string source, string target, string state, int round, CancellationToken cancellationToken)
    {
        var name = "first-" + round.ToString(CultureInfo.InvariantCulture);
        var cpu = ProcessCpu.OfRunning(daemon.Id);
        var clock = Stopwatch.StartNew();
        await client.CreateSyncAsync(name, source, "local:" + target, [], cancellationToken);
        var sessions = await client.FlushSyncAsync(name, cancellationToken);
        var elapsed = clock.Elapsed;
        var daemonCpu = ProcessCpu.OfRunning(daemon.Id) - cpu;
        var agentCpu = InProcessYak.CpuOf(AgentOf(daemon.Id));
        var session = sessions.Single(s => s.Name == name);
        if (session.LastError is { } error)
        {
            throw new InvalidOperationException($"first sync through yakd failed: {session.LastErrorCode} {error}");
        }

        await client.TerminateSyncAsync(name, cancellationToken);
        return new YakRun(elapsed, session.BytesOnWire, daemonCpu, agentCpu);
    }

    public async ValueTask DisposeAsync()
    {
        await client.DisposeAsync();
        daemon.Kill(entireProcessTree: true);
        await daemon.WaitForExitAsync();
        daemon.Dispose();
        sandbox.Dispose();
    }

    /// <summary>The yak-agent child of yakd (one session runs at a time here), from /proc/PID/task/*/children.</summary>
    private static int? AgentOf(int daemonPid)
    {
        foreach (var task in Directory.EnumerateDirectories($"/proc/{daemonPid}/task"))
        {
            string children;
            try
            {
                children = File.ReadAllText(Path.Combine(task, "children"));
            }
            catch (IOException)
            {
                continue; // the thread ended meanwhile
            }

            foreach (var child in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var pid = int.Parse(child, CultureInfo.InvariantCulture);
                if (File.Exists($"/proc/{pid}/comm") && File.ReadAllText($"/proc/{pid}/comm").Trim() == "yak-agent")
                {
                    return pid;
                }
            }
        }

        return null;
    }
}
