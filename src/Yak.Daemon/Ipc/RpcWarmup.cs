using System.IO.Pipelines;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;
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

            // The client side is the bare handler, not a second JsonRpc: that would only warm code a client needs.
            var client = new ContentLengthMessageHandler(toServer.Writer, fromServer.Reader, RpcWire.CreateFormatter());
            var hello = new Dictionary<string, object?>
            {
                ["clientName"] = "yakd",
                ["clientVersion"] = DaemonInfo.Version,
                ["protocolVersion"] = ProtocolVersion.Current,
                ["capabilities"] = Array.Empty<string>(),
            };
            await client.WriteAsync(new JsonRpcRequest { RequestId = new RequestId(1), Method = Methods.DaemonHello, NamedArguments = hello }, timeout.Token).ConfigureAwait(false);
            var answer = await client.ReadAsync(timeout.Token).ConfigureAwait(false);
            StartupTrace.Mark("rpc warmed");
            return answer is JsonRpcResult;
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
