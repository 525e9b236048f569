using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using k8s;

namespace Yak.Kube.Streams;

/// <summary>How a remote command ended: its exit code, or an error the API server reported instead.</summary>
public sealed record ExecExit(int ExitCode, string? Error);

/// <summary>
/// One exec or attach over a v5.channel.k8s.io WebSocket, framed by <see cref="ExecChannels"/> (one complete
/// message per write): stdout/stderr as pipes, stdin writes and close ([255,0]), resize on channel 4, and the
/// exit code from the status on channel 3 (Success → 0, Failure with an ExitCode cause → that code).
/// </summary>
public sealed class KubeExecSession : IAsyncDisposable
{
    private const string Protocol = "v5.channel.k8s.io";
    private const byte Resize = 4;
    private const byte Close = 255;
    private readonly ExecChannels channels;

    private KubeExecSession(ExecChannels channels, string pod, string container)
    {
        this.channels = channels;
        Pod = pod;
        Container = container;
    }

    public string Pod { get; }

    public string Container { get; }

    public PipeReader Stdout => channels.Reader(ExecChannels.StdOut);

    public PipeReader Stderr => channels.Reader(ExecChannels.StdErr);

    /// <summary>Starts <paramref name="command"/> in the container, or attaches to its main process when <paramref name="command"/> is null.</summary>
    public static async Task<KubeExecSession> StartAsync(
        KubeConnection connection,
        string podNamespace,
        string pod,
        string container,
        IReadOnlyList<string>? command,
        bool tty,
        bool stdin,
        CancellationToken cancellationToken)
    {
        WebSocket socket;
        try
        {
            socket = command is null
                ? await connection.Client.WebSocketNamespacedPodAttachAsync(
                    pod, podNamespace, container, stderr: !tty, stdin: stdin, stdout: true, tty: tty, webSocketSubProtocol: Protocol, cancellationToken: cancellationToken).ConfigureAwait(false)
                : await connection.Client.WebSocketNamespacedPodExecAsync(
                    pod, podNamespace, command, container, stderr: !tty, stdin: stdin, stdout: true, tty: tty, webSocketSubProtocol: Protocol, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException || ex.InnerException is HttpRequestException)
        {
            throw connection.Unreachable(ex);
        }
        catch (Exception ex) when (ex is WebSocketException or k8s.Autorest.HttpOperationException or KubernetesException)
        {
            throw new ExecRefusedException($"The API server refused to {(command is null ? "attach to" : "exec in")} {podNamespace}/{pod} container {container}: {ex.Message}", ex);
        }

        return new KubeExecSession(new ExecChannels(socket), pod, container);
    }

    public ValueTask WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        data.IsEmpty ? ValueTask.CompletedTask : channels.WriteAsync(ExecChannels.StdIn, data, cancellationToken);

    /// <summary>End of input: the v5 close message for stdin.</summary>
    public ValueTask CloseStdinAsync(CancellationToken cancellationToken) => channels.WriteAsync(Close, new byte[] { ExecChannels.StdIn }, cancellationToken);

    public ValueTask ResizeAsync(int columns, int rows, CancellationToken cancellationToken) =>
        channels.WriteAsync(Resize, Encoding.UTF8.GetBytes($"{{\"Width\":{columns},\"Height\":{rows}}}\n"), cancellationToken);

    /// <summary>Waits for the status on channel 3 (read to the end of the stream) and maps it to an exit code.</summary>
    public async Task<ExecExit> WaitForExitAsync(CancellationToken cancellationToken)
    {
        var reader = channels.Reader(ExecChannels.Error);
        var buffer = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                foreach (var segment in result.Buffer)
                {
                    buffer.Write(segment.Span);
                }

                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (IOException ex)
        {
            return new ExecExit(-1, "the exec stream broke: " + (ex.InnerException?.Message ?? ex.Message));
        }

        return ParseStatus(buffer.ToArray());
    }

    /// <summary>The v4/v5 status: empty (stream closed without one) counts as success, as kubectl does for v1.</summary>
    public static ExecExit ParseStatus(ReadOnlySpan<byte> json)
    {
        if (json.Trim((byte)'\n').IsEmpty)
        {
            return new ExecExit(0, null);
        }

        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            var root = document.RootElement;
            var status = root.TryGetProperty("status", out var s) ? s.GetString() : null;
            if (status == "Success")
            {
                return new ExecExit(0, null);
            }

            if (root.TryGetProperty("details", out var details) && details.TryGetProperty("causes", out var causes) && causes.ValueKind == JsonValueKind.Array)
            {
                foreach (var cause in causes.EnumerateArray())
                {
                    if (cause.TryGetProperty("reason", out var reason) && reason.GetString() == "ExitCode" &&
                        cause.TryGetProperty("message", out var message) && int.TryParse(message.GetString(), out var code))
                    {
                        return new ExecExit(code, null);
                    }
                }
            }

            return new ExecExit(-1, root.TryGetProperty("message", out var text) ? text.GetString() : Encoding.UTF8.GetString(json));
        }
        catch (JsonException)
        {
            return new ExecExit(-1, Encoding.UTF8.GetString(json).Trim());
        }
    }

    public ValueTask DisposeAsync() => channels.DisposeAsync();
}
