using Microsoft.AspNetCore.Http;
using Yak.LocalCluster.Runtime;

namespace Yak.LocalCluster.Streams;

/// <summary>GET (WebSocket) <c>pods/{name}/exec</c> and <c>pods/{name}/attach</c>.</summary>
internal static class ExecEndpoint
{
    private static readonly string[] Supported = ["v5.channel.k8s.io", "v4.channel.k8s.io", "channel.k8s.io"];

    public static async Task HandleAsync(HttpContext context, string ns, string name, bool attach)
    {
        if (!StreamRequest.IsUpgrade(context))
        {
            // kubectl falls back to SPDY (POST + Upgrade: SPDY/3.1) only when the WebSocket upgrade fails.
            await StreamRequest.WriteStatusAsync(context, 400, "BadRequest", "this node serves exec and attach over WebSocket only (v5.channel.k8s.io, v4.channel.k8s.io, channel.k8s.io)").ConfigureAwait(false);
            return;
        }

        var offered = StreamRequest.OfferedProtocols(context);
        var protocol = offered.Count == 0 ? null : offered.FirstOrDefault(p => Supported.Contains(p, StringComparer.Ordinal));
        if (offered.Count > 0 && protocol is null)
        {
            await StreamRequest.WriteStatusAsync(context, 400, "BadRequest", $"none of the requested protocols are supported: {string.Join(", ", offered)}").ConfigureAwait(false);
            return;
        }

        var command = context.Request.Query["command"].OfType<string>().ToList();
        if (!attach && command.Count == 0)
        {
            await StreamRequest.WriteStatusAsync(context, 400, "BadRequest", "you must specify at least 1 command").ConfigureAwait(false);
            return;
        }

        var target = await PodTarget.ResolveAsync(context, ns, name).ConfigureAwait(false);
        if (target is not { } resolved)
        {
            return;
        }

        var (runtime, _, container) = resolved;
        var flags = new ExecFlags(
            command,
            StreamRequest.Flag(context, "stdin"),
            StreamRequest.Flag(context, "stdout", fallback: attach),
            StreamRequest.Flag(context, "stderr", fallback: attach),
            StreamRequest.Flag(context, "tty"));
        var current = container.Process;
        if (current is null)
        {
            await StreamRequest.WriteStatusAsync(context, 400, "BadRequest", $"container {container.Name} is not running").ConfigureAwait(false);
            return;
        }

        using var lease = runtime.Streams.Register(context);
        var socket = new ChannelSocket(await StreamRequest.AcceptAsync(context, protocol).ConfigureAwait(false));
        var session = new ExecSession(socket, protocol, flags);
        try
        {
            if (attach)
            {
                await AttachAsync(session, container, current, flags, lease.Token).ConfigureAwait(false);
            }
            else
            {
                await ExecAsync(session, container, flags, lease.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Net.WebSockets.WebSocketException or IOException)
        {
            socket.Socket.Abort();
        }
        finally
        {
            socket.Socket.Dispose();
        }
    }

    private static async Task ExecAsync(ExecSession session, ContainerRunner container, ExecFlags flags, CancellationToken cancellationToken)
    {
        var launch = container.BuildExec(flags.Command, flags.Tty);
        if (launch is null)
        {
            await session.FinishAsync(126, $"container {container.Name} is not running", cancellationToken).ConfigureAwait(false);
            return;
        }

        await session.AnnounceAsync(cancellationToken).ConfigureAwait(false);
        var launchFailure = new ExecLaunchFailure();
        LocalProcess process;
        try
        {
            process = LocalProcess.Start(
                launch,
                flags.Tty,
                // The launcher's complaint is replaced by the runtime's words on the same stream; the exit code (127) stays.
                (stream, data) => ForwardAsync(session, stream, launchFailure.Filter(stream, data), cancellationToken));
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            await session.FinishAsync(126, $"failed to start exec in container {container.Name}: {ex.Message}", cancellationToken).ConfigureAwait(false);
            return;
        }

        using var started = process;
        using var tracked = container.TrackExec(process);
        if (!flags.Stdin)
        {
            process.CloseStdin();
        }

        var receiving = session.ReceiveAsync(process, flags.Stdin, cancellationToken);
        var finished = await Task.WhenAny(process.Exited, receiving).ConfigureAwait(false);
        if (finished == receiving)
        {
            // The client went away: nothing will read the output; end the command rather than leave it behind.
            process.CloseStdin();
            process.Signal(LinuxNative.SigKill);
            return;
        }

        var exitCode = await process.Exited.ConfigureAwait(false);
        await ForwardAsync(session, launchFailure.HeldStream ?? "stdout", launchFailure.Release(), cancellationToken).ConfigureAwait(false);
        await session.FinishAsync(exitCode, null, cancellationToken).ConfigureAwait(false);
        await Task.WhenAny(receiving, Task.Delay(TimeSpan.FromSeconds(5), cancellationToken)).ConfigureAwait(false);
    }

    private static ValueTask ForwardAsync(ExecSession session, string stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        data.IsEmpty ? ValueTask.CompletedTask : session.ForwardOutputAsync(stream, data, cancellationToken);

    private static async Task AttachAsync(ExecSession session, ContainerRunner container, LocalProcess process, ExecFlags flags, CancellationToken cancellationToken)
    {
        await session.AnnounceAsync(cancellationToken).ConfigureAwait(false);
        using var listening = container.Listen((stream, data) => session.ForwardOutputAsync(stream, data, cancellationToken));
        var stdinOpen = flags.Stdin && container.Spec.Stdin == true;
        var receiving = session.ReceiveAsync(process, stdinOpen, cancellationToken);
        var finished = await Task.WhenAny(process.Exited, receiving).ConfigureAwait(false);
        if (finished == receiving)
        {
            if (container.Spec.StdinOnce == true && stdinOpen)
            {
                process.CloseStdin();
            }

            return;
        }

        await session.FinishAsync(await process.Exited.ConfigureAwait(false), null, cancellationToken).ConfigureAwait(false);
        await Task.WhenAny(receiving, Task.Delay(TimeSpan.FromSeconds(5), cancellationToken)).ConfigureAwait(false);
    }
}
