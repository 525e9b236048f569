using System.CommandLine;
using Yak.Client;
using Yak.Protocol.Messages;

namespace Yak.Cli.Commands.Streams;

/// <summary><c>yakctl logs SERVICE [-f]</c>: the logs of every pod of a service, as text or one JSON object per line.</summary>
internal static class LogsCommand
{
    public static Command Create()
    {
        var command = new Command("logs", "Print the logs of every pod of a service (lines prefixed with pod/container when there are several pods).");
        var target = StreamTargetOptions.AddTo(command);
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep streaming, across container restarts and pod replacement (Ctrl+C stops)." };
        var tail = new Option<int?>("--tail") { Description = "Lines from the end of each pod's log (default: all)." };
        var since = new Option<string>("--since") { Description = "Only lines newer than this: 30s, 5m, 2h." };
        command.Options.Add(follow);
        command.Options.Add(tail);
        command.Options.Add(since);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            var sinceSeconds = parse.GetValue(since) is { Length: > 0 } text ? SinceDuration.ParseSeconds(text) : 0;
            await using var client = await context.ConnectAsync(cancellationToken);
            var started = await client.StartLogsAsync(
                new LogsStartRequest { Target = await target.ReadAsync(parse, client, cancellationToken), Follow = parse.GetValue(follow), TailLines = parse.GetValue(tail) ?? -1, SinceSeconds = sinceSeconds },
                cancellationToken);
            await using var stream = await DaemonStream.OpenAsync(context.Endpoint.SocketPath, started.Token, cancellationToken);
            var pods = new HashSet<string>(started.Pods, StringComparer.Ordinal);
            var output = context.Output;
            var code = await stream.CopyOutputAsync(
                Stream.Null,
                Stream.Null,
                line =>
                {
                    pods.Add(line.Pod);
                    if (output.Json)
                    {
                        output.WriteJsonLine(line);
                    }
                    else
                    {
                        output.Out.WriteLine(pods.Count > 1 ? $"[{line.Pod}/{line.Container}] {line.Line}" : line.Line);
                    }

                    output.Out.Flush();
                },
                error => output.Error.WriteLine($"yakctl: {error}"),
                cancellationToken);

            // Ctrl+C on -f ends here through the cancellation: yakctl then exits 130, as any interrupted command.
            return code == 0 ? CliExitCodes.Success : CliExitCodes.Failure;
        });
        return command;
    }
}
