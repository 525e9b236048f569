using System.Text.Json;
using StreamJsonRpc;
using k8s;
using Yak.Daemon.Environments;
using Yak.Daemon.Ipc;
using Yak.Daemon.Kube;
using Yak.Kube;
using Yak.Kube.Streams;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Daemon.Streams;

/// <summary>
/// The stream methods, one instance per connection. <c>*/start</c> resolves the target (so a wrong service or
/// pod fails the call itself) and registers the stream; <c>streams/attach</c>, the only call of a side
/// connection, diverts that connection from JSON-RPC to frames and runs the stream on it.
/// </summary>
internal sealed class StreamRpcTarget(ClientConnection connection, StreamBroker broker, KubeConnections kube, EnvironmentManager environments) : IStreamService
{
    public async Task<ExecStartResponse> ExecStartAsync(ExecStartRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        if (request.Command.Count == 0)
        {
            throw Invalid("Give a command to run.");
        }

        var target = Resolve(request.Target);
        var (pod, container, _) = await target.PickAsync(cancellationToken);
        IReadOnlyList<string> command = request.Command;
        var directory = string.Empty;
        if (request.InSyncRoot)
        {
            directory = target.Location?.SyncContainerPaths.FirstOrDefault()
                ?? throw Invalid($"'{request.Target.Service}' has no sync mapping to run in; 'test' needs an environment's service with synced code.");
            command = ["sh", "-c", "cd \"$0\" && exec \"$@\"", directory, .. request.Command];
        }

        var token = broker.Register("exec", $"{target.Namespace}/{pod}/{container}: {string.Join(' ', request.Command)}", (channel, ct) =>
            RunExecAsync(channel, target.Connection, target.Namespace, pod, container, command, request.Tty, request.Stdin, ct));
        return new ExecStartResponse { Token = token, Pod = pod, Container = container, WorkingDirectory = directory };
    }

    public async Task<AttachStartResponse> AttachStartAsync(AttachStartRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        var target = Resolve(request.Target);
        var (pod, container, containerTty) = await target.PickAsync(cancellationToken);

        // A terminal is attached only when the container has one: asking for it otherwise merges nothing and puts
        // the caller's terminal in raw mode for a process that reads lines.
        var tty = request.Tty && containerTty;
        var token = broker.Register("attach", $"{target.Namespace}/{pod}/{container}", (channel, ct) =>
            RunExecAsync(channel, target.Connection, target.Namespace, pod, container, null, tty, request.Stdin, ct));
        return new AttachStartResponse { Token = token, Pod = pod, Container = container, Tty = tty };
    }

    public async Task<LogsStartResponse> LogsStartAsync(LogsStartRequest request, CancellationToken cancellationToken)
    {
        connection.RequireHandshake();
        var target = Resolve(request.Target);
        IReadOnlyList<string> pods = target.Pod.Length > 0
            ? [target.Pod]
            : [.. (await KubeLogs.ListPodsAsync(target.Connection, target.Namespace, target.Selector, cancellationToken)).Select(p => p.Metadata.Name)];
        if (pods.Count == 0 && !request.Follow)
        {
            throw new LocalRpcException($"No pod matches {target.Selector} in {target.Namespace}.") { ErrorCode = ErrorCodes.NotFound };
        }

        var container = request.Target.Container.Length > 0 ? request.Target.Container : target.Location?.AppContainer ?? string.Empty;
        var token = broker.Register("logs", $"{target.Namespace}/{(target.Pod.Length > 0 ? target.Pod : target.Selector)}", (channel, ct) =>
            RunLogsAsync(channel, target, pods, container, request, ct));
        return new LogsStartResponse { Token = token, Pods = pods, Container = container };
    }

    public Task<StreamAttachResponse> StreamsAttachAsync(StreamAttachRequest request, CancellationToken cancellationToken)
    {
        var claimed = broker.Claim(request.Token)
            ?? throw new LocalRpcException("Unknown or expired stream token (tokens are single-use and expire after a minute).") { ErrorCode = ErrorCodes.NotFound };

        // From here on the connection's bytes belong to the stream; the response below is the last JSON-RPC message.
        broker.Launch(claimed, connection.Guard.Divert());
        return Task.FromResult(new StreamAttachResponse { Token = request.Token, Kind = claimed.Kind });
    }

    private static async Task<int> RunExecAsync(
        SideChannel channel,
        KubeConnection kube,
        string podNamespace,
        string pod,
        string container,
        IReadOnlyList<string>? command,
        bool tty,
        bool stdin,
        CancellationToken cancellationToken)
    {
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await using var session = await KubeExecSession.StartAsync(kube, podNamespace, pod, container, command, tty, stdin, abort.Token).ConfigureAwait(false);
        var input = PumpInputAsync(channel, session, stdin, abort);
        var stdout = PumpOutputAsync(session.Stdout, channel, StreamFrames.Stdout, abort.Token);
        var stderr = tty ? Task.CompletedTask : PumpOutputAsync(session.Stderr, channel, StreamFrames.Stderr, abort.Token);
        var exit = await session.WaitForExitAsync(abort.Token).ConfigureAwait(false);
        await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        if (abort.IsCancellationRequested)
        {
            // The client went away: nobody to report to.
            throw new OperationCanceledException(abort.Token);
        }

        _ = input;
        if (exit.Error is not null)
        {
            throw new IOException(exit.Error);
        }

        return exit.ExitCode;
    }

    /// <summary>Client frames → the remote command; the client closing its connection aborts the command.</summary>
    private static async Task PumpInputAsync(SideChannel channel, KubeExecSession session, bool stdin, CancellationTokenSource abort)
    {
        try
        {
            while (await channel.ReceiveAsync(abort.Token).ConfigureAwait(false) is { } frame)
            {
                switch (frame.Type)
                {
                    case StreamFrames.Stdin when stdin:
                        await session.WriteStdinAsync(frame.Payload, abort.Token).ConfigureAwait(false);
                        break;
                    case StreamFrames.StdinClose when stdin:
                        await session.CloseStdinAsync(abort.Token).ConfigureAwait(false);
                        break;
                    case StreamFrames.Resize when frame.Payload.Length == 4:
                        await session.ResizeAsync(
                            System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(frame.Payload),
                            System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(frame.Payload.AsSpan(2)),
                            abort.Token).ConfigureAwait(false);
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidDataException or System.Net.WebSockets.WebSocketException)
        {
        }

        await abort.CancelAsync().ConfigureAwait(false);
    }

    private static async Task PumpOutputAsync(System.IO.Pipelines.PipeReader reader, SideChannel channel, byte type, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                foreach (var segment in result.Buffer)
                {
                    await channel.SendAsync(type, segment, cancellationToken).ConfigureAwait(false);
                }

                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static async Task<int> RunLogsAsync(SideChannel channel, ResolvedTarget target, IReadOnlyList<string> pods, string container, LogsStartRequest request, CancellationToken cancellationToken)
    {
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var input = Task.Run(
            async () =>
            {
                try
                {
                    while (await channel.ReceiveAsync(abort.Token).ConfigureAwait(false) is not null)
                    {
                    }
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidDataException)
                {
                }

                await abort.CancelAsync().ConfigureAwait(false);
            },
            CancellationToken.None);
        await KubeLogs.StreamAsync(
            target.Connection,
            target.Namespace,
            pods,
            target.Pod.Length > 0 ? null : target.Selector,
            container.Length > 0 ? container : null,
            request.Follow,
            request.TailLines >= 0 ? request.TailLines : null,
            request.SinceSeconds > 0 ? request.SinceSeconds : null,
            line => channel.SendAsync(
                StreamFrames.Log,
                JsonSerializer.SerializeToUtf8Bytes(new LogLineInfo { Pod = line.Pod, Container = line.Container, Time = line.Time, Line = line.Line }, YakJson.Options),
                abort.Token),
            abort.Token).ConfigureAwait(false);
        if (abort.IsCancellationRequested)
        {
            throw new OperationCanceledException(abort.Token);
        }

        _ = input;
        return 0;
    }

    private ResolvedTarget Resolve(StreamTargetInfo target)
    {
        var explicitTarget = target.Namespace.Length > 0 || target.Selector.Length > 0 || target.Pod.Length > 0 || target.Service.StartsWith("pod/", StringComparison.Ordinal);
        if (!explicitTarget)
        {
            if (target.Service.Length == 0)
            {
                throw Invalid("Name a service, or a target with a namespace and a selector or pod.");
            }

            var location = environments.LocateService(target.Environment, target.Service);
            return new ResolvedTarget(Connect(location.Kubeconfig, location.Context), location.Namespace, location.Selector, string.Empty, target.Container.Length > 0 ? target.Container : location.AppContainer, location);
        }

        var pod = target.Pod.Length > 0 ? target.Pod : target.Service.StartsWith("pod/", StringComparison.Ordinal) ? target.Service[4..] : string.Empty;
        if (pod.StartsWith("pod/", StringComparison.Ordinal))
        {
            pod = pod[4..];
        }

        var selector = pod.Length > 0 ? string.Empty : target.Selector.Length > 0 ? target.Selector : target.Service.Length > 0 ? $"app={target.Service}" : string.Empty;
        if (pod.Length == 0 && selector.Length == 0)
        {
            throw Invalid("Name a pod (pod/NAME) or a selector (key=value).");
        }

        return new ResolvedTarget(Connect(target.Kubeconfig, target.Context), target.Namespace.Length > 0 ? target.Namespace : "default", selector, pod, target.Container, null);
    }

    private KubeConnection Connect(string kubeconfig, string context)
    {
        try
        {
            return kube.Get(kubeconfig, context);
        }
        catch (KubeConnectionException ex)
        {
            throw new LocalRpcException(ex.Message);
        }
    }

    private static LocalRpcException Invalid(string message) => new(message) { ErrorCode = ErrorCodes.InvalidArgument };

    /// <summary>A stream's target after resolution: either one <see cref="Pod"/> or a <see cref="Selector"/>.</summary>
    private sealed record ResolvedTarget(KubeConnection Connection, string Namespace, string Selector, string Pod, string Container, ServiceLocation? Location)
    {
        /// <summary>The pod and container to stream from, and whether that container has a terminal.</summary>
        public async Task<(string Pod, string Container, bool Tty)> PickAsync(CancellationToken cancellationToken)
        {
            try
            {
                var pod = Pod.Length > 0 ? Pod : await PodPicker.PickReadyAsync(Connection, Namespace, Selector, cancellationToken);
                var spec = (await Connection.Client.CoreV1.ReadNamespacedPodAsync(pod, Namespace, cancellationToken: cancellationToken)).Spec;
                var chosen = Container.Length == 0
                    ? spec.Containers.FirstOrDefault(c => c.Name != PodPicker.SidecarContainerName) ?? spec.Containers[0]
                    : spec.Containers.FirstOrDefault(c => c.Name == Container);
                return chosen is not null
                    ? (pod, chosen.Name, chosen.Tty == true)
                    : throw new LocalRpcException($"Pod {pod} has no container '{Container}' (containers: {string.Join(", ", spec.Containers.Select(c => c.Name))}).") { ErrorCode = ErrorCodes.NotFound };
            }
            catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                throw new LocalRpcException($"No pod {Pod} in {Namespace}.") { ErrorCode = ErrorCodes.NotFound };
            }
            catch (KubeConnectionException ex)
            {
                throw new LocalRpcException(ex.Message);
            }
            catch (IOException ex)
            {
                throw new LocalRpcException(ex.Message) { ErrorCode = ErrorCodes.NotFound };
            }
        }
    }
}
