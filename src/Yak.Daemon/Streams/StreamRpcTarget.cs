using StreamJsonRpc;
using Yak.Daemon.Environments;
using Yak.Daemon.Ipc;
using Yak.Daemon.Kube;
using Yak.Daemon.Rpc;
using Yak.Kube.Streams;
using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Streams;

/// <summary>
/// The stream methods, one instance per connection. <c>*/start</c> resolves the target (so a wrong service or
/// pod fails the call itself) and registers the stream; <c>streams/attach</c>, the only call of a side
/// connection, diverts that connection from JSON-RPC to frames and runs the stream on it
/// (<see cref="ExecStream"/>, <see cref="LogStream"/>).
/// </summary>
internal sealed class StreamRpcTarget(ClientConnection connection, StreamBroker broker, KubeConnections kube, EnvironmentManager environments, Sharing.GuestConnector guests) : IStreamService
{
    private readonly StreamTargets targets = new(kube, environments);

    public async Task<ExecStartResponse> ExecStartAsync(ExecStartRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        if (request.Command.Count == 0)
        {
            throw StreamTargets.Invalid("Give a command to run.");
        }

        var target = targets.Resolve(request.Target);
        await RequireShareAsync(request.Target, target, "exec", request.InSyncRoot ? "test" : "exec or shell", cancellationToken);
        var (pod, container, _) = await target.PickAsync(cancellationToken);
        IReadOnlyList<string> command = request.Command;
        var directory = string.Empty;
        if (request.InSyncRoot)
        {
            directory = target.Location?.SyncContainerPaths.FirstOrDefault()
                ?? throw StreamTargets.Invalid($"'{request.Target.Service}' has no sync mapping to run in; 'test' needs an environment's service with synced code.");
            command = ["sh", "-c", "cd \"$0\" && exec \"$@\"", directory, .. request.Command];
        }

        // The description is logged: the command's name only, as arguments carry passwords (mysql -pSECRET).
        var arguments = request.Command.Count - 1;
        var described = arguments == 0 ? request.Command[0] : $"{request.Command[0]} (+{arguments} argument{(arguments == 1 ? string.Empty : "s")})";
        var token = broker.Register("exec", $"{target.Namespace}/{pod}/{container}: {described}", (channel, ct) =>
            ExecStream.RunAsync(channel, target.Connection, target.Namespace, pod, container, command, request.Tty, request.Stdin, ct));
        return new ExecStartResponse { Token = token, Pod = pod, Container = container, WorkingDirectory = directory };
    }

    public async Task<AttachStartResponse> AttachStartAsync(AttachStartRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        var target = targets.Resolve(request.Target);
        await RequireShareAsync(request.Target, target, "attach", "attach", cancellationToken);
        var (pod, container, containerTty) = await target.PickAsync(cancellationToken);

        // A terminal is attached only when the container has one: asking for it otherwise merges nothing and puts
        // the caller's terminal in raw mode for a process that reads lines.
        var tty = request.Tty && containerTty;
        var token = broker.Register("attach", $"{target.Namespace}/{pod}/{container}", (channel, ct) =>
            ExecStream.RunAsync(channel, target.Connection, target.Namespace, pod, container, null, tty, request.Stdin, ct));
        return new AttachStartResponse { Token = token, Pod = pod, Container = container, Tty = tty };
    }

    public async Task<LogsStartResponse> LogsStartAsync(LogsStartRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        var target = targets.Resolve(request.Target);
        IReadOnlyList<string> pods = target.Pod.Length > 0
            ? [target.Pod]
            : [.. (await KubeLogs.ListPodsAsync(target.Connection, target.Namespace, target.Selector, cancellationToken)).Select(p => p.Metadata.Name)];
        if (pods.Count == 0 && !request.Follow)
        {
            throw new NotFoundException($"No pod matches {target.Selector} in {target.Namespace}.");
        }

        var container = request.Target.Container.Length > 0 ? request.Target.Container : target.Location?.AppContainer ?? string.Empty;
        var token = broker.Register("logs", $"{target.Namespace}/{(target.Pod.Length > 0 ? target.Pod : target.Selector)}", (channel, ct) =>
            LogStream.RunAsync(channel, target, pods, container, request, ct));
        return new LogsStartResponse { Token = token, Pods = pods, Container = container };
    }

    /// <summary>A guest's exec or attach is asked of the cluster first, so a refusal says what the share allows and who can grant more.</summary>
    private async Task RequireShareAsync(StreamTargetInfo requested, ResolvedTarget target, string subresource, string what, CancellationToken cancellationToken)
    {
        if (requested.Environment.Length > 0 && guests.Find(requested.Environment) is { } guest)
        {
            await guests.RequireAsync(guest, target.Connection.Client, subresource, what, cancellationToken);
        }
    }

    public Task<StreamAttachResponse> StreamsAttachAsync(StreamAttachRequest request, CancellationToken cancellationToken)
    {
        var claimed = broker.Claim(request.Token)
            ?? throw new NotFoundException("Unknown or expired stream token (tokens are single-use and expire after a minute).");

        // From here on the connection's bytes belong to the stream; the response below is the last JSON-RPC message.
        broker.Launch(claimed, connection.Guard.Divert());
        return Task.FromResult(new StreamAttachResponse { Token = request.Token, Kind = claimed.Kind });
    }
}
