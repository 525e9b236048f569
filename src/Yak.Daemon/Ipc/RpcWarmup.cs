using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using StreamJsonRpc;
using Yak.Daemon.Hosting;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Daemon.Ipc;

/// <summary>
/// One <c>daemon/hello</c> answered over an in-memory pipe on the second core while the main thread opens the log and
/// builds the host. Otherwise the first client pays, after its accept, for the process's first use of StreamJsonRpc and
/// System.Text.Json — type loads, ReadyToRun fixups, the generic code crossgen2 did not pregenerate: accept → answer
/// took 56–76 ms, now 13–25 (README, "yakd's start, 2026-12-03 evening"). Nothing here is shared with a client's
/// connection but the process's caches.
/// </summary>
internal static class RpcWarmup
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    /// <summary>Runs on the thread pool; a failure only means the first client pays as before.</summary>
    public static void Start() => _ = Task.Run(() => RunAsync(CancellationToken.None));

    /// <summary>True once the answer came back; false when it did not within <see cref="Limit"/> or failed.</summary>
    internal static async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Limit);
        var toServer = new Pipe();
        var fromServer = new Pipe();
        try
        {
            using var rpc = new JsonRpc(new ContentLengthMessageHandler(fromServer.Writer, toServer.Reader, RpcWire.CreateFormatter()));
            rpc.AddLocalRpcTarget<IWarmupService>(new Target(), new JsonRpcTargetOptions { DisposeOnDisconnect = false });
            rpc.StartListening();

            var body = Encoding.UTF8.GetBytes(
                $$$"""{"jsonrpc":"2.0","id":1,"method":"{{{Methods.DaemonHello}}}","params":{"clientName":"yakd","clientVersion":"{{{DaemonInfo.Version}}}","protocolVersion":{{{ProtocolVersion.Current}}},"capabilities":[]}}""");
            await toServer.Writer.WriteAsync(Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"), timeout.Token).ConfigureAwait(false);
            await toServer.Writer.WriteAsync(body, timeout.Token).ConfigureAwait(false);
            var answered = await ReadAnswerAsync(fromServer.Reader, timeout.Token).ConfigureAwait(false);
            StartupTrace.Mark("rpc warmed");
            return answered;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return false;
        }
        finally
        {
            await toServer.Writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    // One message comes back: its header, then Content-Length bytes of JSON carrying "result".
    private static async Task<bool> ReadAnswerAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            if (TryBody(buffer, out var body))
            {
                using var answer = JsonDocument.Parse(body);
                return answer.RootElement.TryGetProperty("result", out _);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted)
            {
                return false;
            }
        }
    }

    // ContentLengthMessageHandler writes the one header it has: "Content-Length: N\r\n\r\n".
    private static bool TryBody(ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> body)
    {
        const string Prefix = "Content-Length: ";
        body = default;
        var text = Encoding.ASCII.GetString(buffer.Slice(0, Math.Min(buffer.Length, 64)));
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < Prefix.Length || !int.TryParse(text.AsSpan(Prefix.Length, end - Prefix.Length), out var length) || buffer.Length < end + 4 + length)
        {
            return false;
        }

        body = buffer.Slice(end + 4, length);
        return true;
    }

    /// <summary>The shape of <see cref="IDaemonService.HelloAsync"/>, so the same generic code is loaded and compiled.</summary>
    internal interface IWarmupService
    {
        [JsonRpcMethod(Methods.DaemonHello, UseSingleObjectParameterDeserialization = true)]
        Task<HelloResponse> HelloAsync(HelloRequest request, CancellationToken cancellationToken);
    }

    private sealed class Target : IWarmupService
    {
        public Task<HelloResponse> HelloAsync(HelloRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new HelloResponse
            {
                DaemonVersion = DaemonInfo.Version,
                ProtocolVersion = ProtocolVersion.Current,
                MinimumProtocolVersion = ProtocolVersion.MinimumSupported,
                Capabilities = request.Capabilities,
            });
    }
}
