using System.Net.WebSockets;
using System.Text;
using k8s;
using Yak.Environments.Manifests;
using Yak.Kube;
using Yak.Kube.Pods;
using Yak.Kube.Streams;
using Yak.Sync.Link;

namespace Yak.Daemon.Sync.Agent;

/// <summary>
/// Reaches yak-agent inside a pod: each connect makes sure the matching agent build is installed in the sync sidecar
/// (<see cref="AgentInstaller"/>; skipped when the sidecar runs a prebuilt agent image), then execs
/// <c>AGENT serve --root PATH --stdio</c> there and returns stdout/stdin as one duplex stream. Disposing the stream
/// closes the exec, which ends that agent.
/// </summary>
public sealed class PodExecAgentConnector : IAgentConnector
{
    private readonly KubeConnection connection;
    private readonly string podNamespace;
    private readonly Func<CancellationToken, Task<string>> resolvePod;
    private readonly string? container;
    private readonly string remoteRoot;
    private readonly AgentInstaller? installer;
    private readonly Action<string>? log;

    /// <summary>Always the named pod. A null <paramref name="installer"/> means the image carries yak-agent on its PATH.</summary>
    public PodExecAgentConnector(KubeConnection connection, string podNamespace, string pod, string? container, string remoteRoot, AgentInstaller? installer, Action<string>? log = null)
        : this(connection, podNamespace, _ => Task.FromResult(pod), $"pod:{podNamespace}/{pod}{(container is null ? "" : "/" + container)}:{remoteRoot}", container, remoteRoot, installer, log)
    {
    }

    private PodExecAgentConnector(
        KubeConnection connection,
        string podNamespace,
        Func<CancellationToken, Task<string>> resolvePod,
        string description,
        string? container,
        string remoteRoot,
        AgentInstaller? installer,
        Action<string>? log)
    {
        this.connection = connection;
        this.podNamespace = podNamespace;
        this.resolvePod = resolvePod;
        this.container = container;
        this.remoteRoot = remoteRoot;
        this.installer = installer;
        this.log = log;
        Description = description;
    }

    public string Description { get; }

    public string Target => CurrentPod is { } pod ? $"pod {podNamespace}/{pod}{(container is null ? "" : $" (container {container})")}:{remoteRoot}" : Description;

    /// <summary>The pod the last connect reached.</summary>
    public string? CurrentPod { get; private set; }

    /// <summary>The build the last connect ran (null with a prebuilt agent image).</summary>
    public AgentBuild? CurrentBuild { get; private set; }

    /// <summary>At every (re)connect, the newest pod matching <paramref name="labelSelector"/> whose sidecar runs: sync follows pod replacement.</summary>
    public static PodExecAgentConnector ForSelector(KubeConnection connection, string podNamespace, string labelSelector, string? container, string remoteRoot, AgentInstaller? installer, Action<string>? log = null) =>
        new(
            connection,
            podNamespace,
            ct => PodPicker.PickAsync(connection, podNamespace, labelSelector, PodPolicy.ContainerRunning(container), ct),
            $"selector:{podNamespace}/{labelSelector}{(container is null ? "" : "/" + container)}:{remoteRoot}",
            container,
            remoteRoot,
            installer,
            log);

    public async Task<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        KubeExecSession session;
        var started = TimeProvider.System.GetTimestamp();
        TimeSpan picked, checkedAgent;
        try
        {
            var pod = await resolvePod(cancellationToken).ConfigureAwait(false);
            picked = TimeProvider.System.GetElapsedTime(started);
            CurrentPod = pod;
            var target = container ?? await DefaultContainerAsync(pod, cancellationToken).ConfigureAwait(false);
            string[] command;
            if (installer is null)
            {
                command = ["yak-agent", "serve", "--root", remoteRoot, "--stdio"];
            }
            else
            {
                var build = await installer.EnsureAsync(connection, podNamespace, pod, target, cancellationToken).ConfigureAwait(false);
                CurrentBuild = build;
                command = [build.RemotePath, "serve", "--root", remoteRoot, "--stdio", "--cache", SyncAgentLayout.CachePath(remoteRoot)];
            }

            checkedAgent = TimeProvider.System.GetElapsedTime(started);

            session = await KubeExecSession.StartAsync(connection, podNamespace, pod, target, command, tty: false, stdin: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException || ex.InnerException is HttpRequestException)
        {
            throw connection.Unreachable(ex);
        }

        // The timeline of a (re)connect: where a slow one spent its time.
        log?.Invoke($"exec stream open in {TimeProvider.System.GetElapsedTime(started).TotalMilliseconds:0} ms (pod picked {picked.TotalMilliseconds:0} ms, agent checked {checkedAgent.TotalMilliseconds:0} ms)");
        _ = PumpLinesAsync(session.Stderr.AsStream(), "agent");
        _ = ReportExitAsync(session);
        return new ExecStream(session);
    }

    private async Task<string> DefaultContainerAsync(string pod, CancellationToken cancellationToken)
    {
        var spec = (await connection.Client.CoreV1.ReadNamespacedPodAsync(pod, podNamespace, cancellationToken: cancellationToken).ConfigureAwait(false)).Spec;
        return spec.Containers.FirstOrDefault(c => c.Name == SyncSidecar.ContainerName)?.Name ?? spec.Containers[0].Name;
    }

    private async Task ReportExitAsync(KubeExecSession session)
    {
        try
        {
            var exit = await session.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            if (exit.ExitCode != 0)
            {
                log?.Invoke($"exec status: {exit.Error ?? "exit code " + exit.ExitCode}");
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or WebSocketException or OperationCanceledException or InvalidOperationException)
        {
            // The exec ended; the session sees it on the data stream.
        }
    }

    private async Task PumpLinesAsync(Stream stream, string what)
    {
        try
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                log?.Invoke($"{what}: {line}");
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or WebSocketException or OperationCanceledException or InvalidOperationException)
        {
            // The exec ended; the session sees it on the data stream.
        }
    }

    /// <summary>The agent's byte stream: reads stdout, writes stdin; disposing it closes the exec.</summary>
    private sealed class ExecStream(KubeExecSession session) : Stream
    {
        private readonly Stream stdout = session.Stdout.AsStream();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => stdout.Read(buffer, offset, count);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            stdout.ReadAsync(buffer, offset, count, cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => stdout.ReadAsync(buffer, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => session.WriteStdinAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            session.WriteStdinAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            session.WriteStdinAsync(buffer, cancellationToken);

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                session.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await session.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
