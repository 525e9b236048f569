using System.Text.Json;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Ipc;

/// <summary>
/// JsonRpc with the daemon's error mapping: bad parameters are -32602 (not a generic server error), and no
/// exception type or stack trace ever leaves the process; the message says what was wrong. Requests wait for
/// <paramref name="started"/> (see <see cref="Hosting.StartupGate"/>).
/// </summary>
internal sealed class DaemonJsonRpc(IJsonRpcMessageHandler handler, Task started) : JsonRpc(handler)
{
    /// <summary>StreamJsonRpc runs a request whatever its "jsonrpc" says; JSON-RPC 2.0 makes any other version an Invalid Request.</summary>
    protected override ValueTask<JsonRpcMessage> DispatchRequestAsync(JsonRpcRequest request, TargetMethod targetMethod, CancellationToken cancellationToken)
    {
        if (request.Version == "2.0")
        {
            if (!started.IsCompleted)
            {
                return DispatchWhenStartedAsync(request, targetMethod, cancellationToken);
            }

            return Hosting.StartupTrace.Enabled ? TracedAsync(request, targetMethod, cancellationToken) : base.DispatchRequestAsync(request, targetMethod, cancellationToken);
        }

        return new ValueTask<JsonRpcMessage>(new JsonRpcError
        {
            RequestId = request.RequestId,
            Error = new JsonRpcError.ErrorDetail
            {
                Code = JsonRpcErrorCode.InvalidRequest,
                Message = $"Invalid Request: \"jsonrpc\" must be \"2.0\", not \"{request.Version}\".",
            },
        });
    }

    private async ValueTask<JsonRpcMessage> DispatchWhenStartedAsync(JsonRpcRequest request, TargetMethod targetMethod, CancellationToken cancellationToken)
    {
        try
        {
            await started.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The connection closed while the start was still running: nothing to wait for.
            return new JsonRpcError
            {
                RequestId = request.RequestId,
                Error = new JsonRpcError.ErrorDetail { Code = JsonRpcErrorCode.RequestCanceled, Message = "The request was cancelled." },
            };
        }

        if (Hosting.StartupTrace.Enabled)
        {
            return await TracedAsync(request, targetMethod, cancellationToken).ConfigureAwait(false);
        }

        return await base.DispatchRequestAsync(request, targetMethod, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<JsonRpcMessage> TracedAsync(JsonRpcRequest request, TargetMethod targetMethod, CancellationToken cancellationToken)
    {
        var answer = await base.DispatchRequestAsync(request, targetMethod, cancellationToken).ConfigureAwait(false);
        Hosting.StartupTrace.MarkFirstAnswer(request.Method ?? string.Empty);
        return answer;
    }

    protected override JsonRpcError.ErrorDetail CreateErrorDetails(JsonRpcRequest request, Exception exception)
    {
        var root = exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerException! : exception;
        return root switch
        {
            Rpc.DaemonException domain => new JsonRpcError.ErrorDetail { Code = (JsonRpcErrorCode)domain.ErrorCode, Message = domain.Message, Data = domain.ErrorData },
            JsonException or ArgumentException or FormatException => new JsonRpcError.ErrorDetail
            {
                Code = JsonRpcErrorCode.InvalidParams,
                Message = $"Invalid params for {request.Method}: {root.Message}",
                Data = Data(YakErrors.InvalidArgument),
            },
            OperationCanceledException => new JsonRpcError.ErrorDetail { Code = JsonRpcErrorCode.RequestCanceled, Message = "The request was cancelled." },
            _ => new JsonRpcError.ErrorDetail { Code = JsonRpcErrorCode.InternalError, Message = $"{request.Method} failed: {root.Message}", Data = Data(YakErrors.Unexpected) },
        };
    }

    private static RpcErrorInfo Data(YakError error) => new() { Code = error.Code, Fix = error.Fix, DaemonProtocolVersion = null, MinimumProtocolVersion = null };
}
