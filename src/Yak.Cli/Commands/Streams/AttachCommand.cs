using System.CommandLine;
using Yak.Cli.Terminal;
using Yak.Client;
using Yak.Protocol.Messages;

namespace Yak.Cli.Commands.Streams;

/// <summary><c>yakctl attach SERVICE</c>: the main process of a container; its terminal only when it has one and so does yakctl.</summary>
internal static class AttachCommand
{
    public static Command Create()
    {
        var command = new Command(
            "attach",
            "Attach to the main process of the service's container: its terminal when it has one and stdin is a terminal here, " +
            "else its stdin/stdout/stderr as plain streams. Ctrl-P Ctrl-Q detaches and leaves it running.");
        var target = StreamTargetOptions.AddTo(command);
        var noTty = new Option<bool>("--no-tty") { Description = "Plain stdout/stderr even when the container has a terminal." };
        command.Options.Add(noTty);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            var local = LocalTerminal.StdinIsTerminal;
            await using var client = await context.ConnectAsync(cancellationToken);
            var started = await client.StartAttachAsync(
                new AttachStartRequest { Target = await target.ReadAsync(parse, client, cancellationToken), Tty = local && !parse.GetValue(noTty), Stdin = true },
                cancellationToken);
            await using var stream = await DaemonStream.OpenAsync(context.Endpoint.SocketPath, started.Token, cancellationToken);
            if (local)
            {
                context.Output.Error.WriteLine($"attached to {started.Pod}/{started.Container}{(started.Tty ? string.Empty : " (no terminal)")}; Ctrl-P Ctrl-Q detaches");
            }

            // Raw mode only when the container's terminal is on the other end: without one, Ctrl+C must stay a local signal.
            return started.Tty
                ? await TerminalSession.RunAsync(context, stream, detachable: true, cancellationToken)
                : await StreamSession.RunAsync(context, stream, pipeStdin: true, cancellationToken);
        });
        return command;
    }
}
