using System.CommandLine;
using Yak.Cli.Terminal;
using Yak.Client;
using Yak.Protocol.Messages;

namespace Yak.Cli.Commands.Streams;

/// <summary><c>yakctl exec|test|shell</c>: a command in a pod of a service, with a terminal only when yakctl has one.</summary>
internal static class ExecCommands
{
    private static readonly string[] ShellCommand = ["sh", "-c", "if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi"];

    public static Command Exec()
    {
        var command = new Command("exec", "Run a command in a pod of a service; stdin is piped when it is not a terminal, and the command's exit code is yakctl's.");
        var target = StreamTargetOptions.AddTo(command);
        var tty = new Option<bool>("--tty", "-t") { Description = "Allocate a terminal when stdin is one (raw mode here, window size followed)." };
        var args = new Argument<string[]>("command") { Description = "The command and its arguments, after --.", Arity = ArgumentArity.OneOrMore };
        command.Options.Add(tty);
        command.Arguments.Add(args);
        command.SetAction((parse, cancellationToken) =>
        {
            var wantsTty = parse.GetValue(tty);
            var context = CliApp.Context(parse);
            if (wantsTty && !LocalTerminal.StdinIsTerminal)
            {
                // kubectl's rule and words: a terminal needs one here too.
                context.Output.Error.WriteLine("Unable to use a TTY - input is not a terminal; running without one.");
            }

            var terminal = wantsTty && LocalTerminal.StdinIsTerminal;
            return RunAsync(context, target, parse, parse.GetValue(args)!, terminal, pipeStdin: terminal || !LocalTerminal.StdinIsTerminal, inSyncRoot: false, cancellationToken);
        });
        return command;
    }

    public static Command Test()
    {
        var command = new Command(
            "test",
            "Run a command (tests) in the service's app container, in the namespace beside its dependencies, in its synced code " +
            "(working directory: the first sync mapping's container path). It runs as an exec in the service's pod, not in a " +
            "fresh pod; stdin is piped when it is not a terminal and the exit code is yakctl's.");
        var target = StreamTargetOptions.AddTo(command);
        var args = new Argument<string[]>("command") { Description = "The command and its arguments, after --.", Arity = ArgumentArity.OneOrMore };
        command.Arguments.Add(args);
        command.SetAction((parse, cancellationToken) => RunAsync(
            CliApp.Context(parse), target, parse, parse.GetValue(args)!, tty: false, pipeStdin: !LocalTerminal.StdinIsTerminal, inSyncRoot: true, cancellationToken));
        return command;
    }

    public static Command Shell()
    {
        var command = new Command(
            "shell",
            "An interactive shell (bash if there is one, else sh) in a pod of the service: a real terminal when stdin is one, " +
            "else commands read from stdin until its end (like kubectl exec -i).");
        var target = StreamTargetOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(
            CliApp.Context(parse), target, parse, ShellCommand, tty: LocalTerminal.StdinIsTerminal, pipeStdin: true, inSyncRoot: false, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        CliContext context, StreamTargetOptions target, ParseResult parse, IReadOnlyList<string> command, bool tty, bool pipeStdin, bool inSyncRoot, CancellationToken cancellationToken)
    {
        await using var client = await context.ConnectAsync(cancellationToken);
        var started = await client.StartExecAsync(
            new ExecStartRequest { Target = await target.ReadAsync(parse, client, cancellationToken), Command = command, Tty = tty, Stdin = pipeStdin, InSyncRoot = inSyncRoot },
            cancellationToken);
        await using var stream = await DaemonStream.OpenAsync(context.Endpoint.SocketPath, started.Token, cancellationToken);
        return tty
            ? await TerminalSession.RunAsync(context, stream, detachable: false, cancellationToken)
            : await StreamSession.RunAsync(context, stream, pipeStdin, cancellationToken);
    }
}
