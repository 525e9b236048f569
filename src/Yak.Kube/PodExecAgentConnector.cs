using System.Net.WebSockets;
using System.Text;
using k8s;
using System.IO.Pipelines;
using Yak.Sync.Link;

namespace Yak.Kube;

/// <summary>
/// Reaches yak-agent inside a pod: each connect execs <c>yak-agent serve --root PATH --stdio</c> in the sync sidecar
/// over a WebSocket (v4.channel.k8s.io) and returns stdout/stdin as one duplex stream. Disposing the stream closes
/// the exec, which ends that agent.
/// </summary>
public sealed class PodExecAgentConnector : IAgentConnector
{
    /// <summary>The container name yak gives the sync sidecar; picked when no container is named.</summary>
    public const string SidecarContainerName = "yak-sync";

    private readonly KubeConnection connection;
    private readonly string podNamespace;
    private readonly Func<CancellationToken, Task<string>> resolvePod;
    private readonly string? container;
    private readonly string remoteRoot;
    private readonly Action<string>? log;

    /// <summary>Always the named pod.</summary>
    public PodExecAgentConnector(KubeConnection connection, string podNamespace, string pod, string? container, string remoteRoot, Action<string>? log = null)
        : this(connection, podNamespace, _ => Task.FromResult(pod), $"pod:{podNamespace}/{pod}{(container is null ? "" : "/" + container)}:{remoteRoot}", container, remoteRoot, log)
    {
    }

    /// <summary>At every (re)connect, the newest pod matching <paramref name="labelSelector"/> whose sidecar runs: sync follows pod replacement.</summary>
    public static PodExecAgentConnector ForSelector(KubeConnection connection, string podNamespace, string labelSelector, string? container, string remoteRoot, Action<string>? log = null) =>
        new(
            connection,
            podNamespace,
            ct => PodPicker.PickAsync(connection, podNamespace, labelSelector, container, ct),
            $"selector:{podNamespace}/{labelSelector}{(container is null ? "" : "/" + container)}:{remoteRoot}",
            container,
            remoteRoot,
            log);

    private PodExecAgentConnector(
        KubeConnection connection,
        string podNamespace,
        Func<CancellationToken, Task<string>> resolvePod,
        string description,
        string? container,
        string remoteRoot,
        Action<string>? log)
    {
        this.connection = connection;
        this.podNamespace = podNamespace;
        this.resolvePod = resolvePod;
        this.container = container;
        this.remoteRoot = remoteRoot;
        this.log = log;
        Description = description;
    }

    public string Description { get; }

    /// <summary>The pod the last connect reached.</summary>
    public string? CurrentPod { get; private set; }

    public async Task<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        WebSocket socket;
        try
        {
            var pod = await resolvePod(cancellationToken).ConfigureAwait(false);
            CurrentPod = pod;
            var target = container ?? await DefaultContainerAsync(pod, cancellationToken).ConfigureAwait(false);
            socket = await connection.Client.WebSocketNamespacedPodExecAsync(
                pod,
                podNamespace,
                ["yak-agent", "serve", "--root", remoteRoot, "--stdio"],
                target,
                stderr: true,
                stdin: true,
                stdout: true,
                tty: false,
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException || ex.InnerException is HttpRequestException)
        {
            throw connection.Unreachable(ex);
        }

        var channels = new ExecChannels(socket);
        _ = PumpLinesAsync(channels.Reader(ExecChannels.StdErr).AsStream(), "agent");
        _ = PumpLinesAsync(channels.Reader(ExecChannels.Error).AsStream(), "exec status");
        return new ExecStream(channels);
    }

    private async Task<string> DefaultContainerAsync(string pod, CancellationToken cancellationToken)
    {
        var spec = (await connection.Client.CoreV1.ReadNamespacedPodAsync(pod, podNamespace, cancellationToken: cancellationToken).ConfigureAwait(false)).Spec;
        return spec.Containers.FirstOrDefault(c => c.Name == SidecarContainerName)?.Name ?? spec.Containers[0].Name;
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
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or WebSocketException or OperationCanceledException)
        {
            // The exec ended; the session sees it on the data stream.
        }
    }

    /// <summary>The agent's byte stream: reads stdout, writes stdin; disposing it closes the exec.</summary>
    private sealed class ExecStream(ExecChannels channels) : Stream
    {
        private readonly Stream stdout = channels.Reader(ExecChannels.StdOut).AsStream();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => stdout.Read(buffer, offset, count);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            stdout.ReadAsync(buffer, offset, count, cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => stdout.ReadAsync(buffer, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => channels.WriteAsync(ExecChannels.StdIn, buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            channels.WriteAsync(ExecChannels.StdIn, buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            channels.WriteAsync(ExecChannels.StdIn, buffer, cancellationToken);

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
                channels.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await channels.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
