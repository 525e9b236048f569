using System.Text.Json;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Client;

/// <summary>
/// The handshake and one call on a fresh connection, without StreamJsonRpc: for a process that asks one thing and
/// exits (a cold <c>yakctl daemon status</c>), where building a JsonRpc with its pipes and formatter costs more CPU
/// than the call. The same wire as <see cref="DaemonClient"/> (Content-Length framed JSON-RPC 2.0 in
/// <see cref="YakJson"/>'s shape, <see cref="RpcWire"/>'s limits) and the same trust checks
/// (<see cref="DaemonClient.OpenStreamAsync"/>). Only a plain answer is handled here: when nothing answers, the daemon
/// or the call fails, it returns null and the caller takes the usual way (autostart, <see cref="DaemonClient"/>),
/// which reports the problem as always; a daemon that refuses this client's protocol is reported here, as
/// <see cref="DaemonClient"/> reports it (<see cref="IncompatibleDaemonException"/>).
/// </summary>
public static class SingleCall
{
    public static async Task<TResponse?> TryInvokeAsync<TResponse>(
        DaemonEndpoint endpoint, string clientName, string method, object request, CancellationToken cancellationToken)
        where TResponse : class =>
        await TryInvokeAsync<TResponse>(endpoint, clientName, _ => (method, request), cancellationToken).ConfigureAwait(false) is { Response: { } response }
            ? response
            : null;

    /// <summary>
    /// The handshake, then the call <paramref name="next"/> picks from the daemon's hello (null: none, the hello is all
    /// the caller needs). Null when nothing answers or anything fails, as above; otherwise the hello and the answer
    /// (null only when no call was made).
    /// </summary>
    public static async Task<SingleCallResult<TResponse>?> TryInvokeAsync<TResponse>(
        DaemonEndpoint endpoint, string clientName, Func<HelloResponse, (string Method, object Request)?> next, CancellationToken cancellationToken)
        where TResponse : class
    {
        Stream stream;
        try
        {
            stream = await DaemonClient.OpenStreamAsync(endpoint.SocketPath, cancellationToken).ConfigureAwait(false);
        }
        catch (DaemonUnavailableException)
        {
            return null;
        }

        await using (stream.ConfigureAwait(false))
        {
            try
            {
                var hello = await CallAsync<HelloResponse>(
                    stream,
                    1,
                    Methods.DaemonHello,
                    new HelloRequest { ClientName = clientName, ClientVersion = DaemonClient.ClientVersion, ProtocolVersion = ProtocolVersion.Current, Capabilities = [] },
                    cancellationToken).ConfigureAwait(false);
                if (hello is null)
                {
                    return null;
                }

                if (!ProtocolVersion.IsSupported(hello.ProtocolVersion) && hello.MinimumProtocolVersion > ProtocolVersion.Current)
                {
                    throw new IncompatibleDaemonException(
                        $"yakd {hello.DaemonVersion} speaks protocol {hello.MinimumProtocolVersion}..{hello.ProtocolVersion}; this {clientName} " +
                        $"{DaemonClient.ClientVersion} speaks {ProtocolVersion.MinimumSupported}..{ProtocolVersion.Current}. Update {clientName}.");
                }

                if (next(hello) is not var (method, request))
                {
                    return new SingleCallResult<TResponse>(hello, null);
                }

                return await CallAsync<TResponse>(stream, 2, method, request, cancellationToken).ConfigureAwait(false) is { } response
                    ? new SingleCallResult<TResponse>(hello, response)
                    : null;
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>Sends one request and reads until its answer (notifications in between are skipped); null for an error answer.</summary>
    private static async Task<T?> CallAsync<T>(Stream stream, int id, string method, object request, CancellationToken cancellationToken)
        where T : class
    {
        await RpcRequest.WriteAsync(stream, id, method, request, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            using var message = JsonDocument.Parse(await DaemonStream.ReadMessageAsync(stream, cancellationToken).ConfigureAwait(false));
            var root = message.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var answered) || answered.ValueKind != JsonValueKind.Number || answered.GetInt32() != id)
            {
                continue;
            }

            if (root.TryGetProperty("result", out var result))
            {
                return result.Deserialize(YakJson.Options.Info<T>());
            }

            // The one refusal said here rather than by the usual way: a daemon that refuses our protocol, as DaemonClient says it.
            if (root.TryGetProperty("error", out var error) && error.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number &&
                code.GetInt32() == ErrorCodes.IncompatibleProtocol)
            {
                throw new IncompatibleDaemonException(error.TryGetProperty("message", out var text) ? text.GetString() ?? string.Empty : "yakd refused this client's protocol version.");
            }

            return null;
        }
    }
}

/// <summary>What <see cref="SingleCall"/> got: the daemon's hello and the call's answer (null when no call was made).</summary>
public sealed record SingleCallResult<TResponse>(HelloResponse Hello, TResponse? Response)
    where TResponse : class;
