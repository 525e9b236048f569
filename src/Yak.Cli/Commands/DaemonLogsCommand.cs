using System.CommandLine;
using System.Text;
using Yak.Cli.Output;
using Yak.Protocol.Errors;

namespace Yak.Cli.Commands;

/// <summary><c>yakctl daemon logs [-f] [--tail N]</c>: reads yakd's log files directly, so it works when yakd is down.</summary>
internal static class DaemonLogsCommand
{
    public static Command Create()
    {
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing as yakd writes." };
        var tail = new Option<int>("--tail", "-n") { Description = "Lines to show from the end (0: all).", DefaultValueFactory = _ => 100 };
        var command = new Command("logs", "Show yakd's log (with -o json: one {time, level, source, message} object per line).");
        command.Options.Add(follow);
        command.Options.Add(tail);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            var directory = context.Endpoint.LogDirectory;
            var newest = Directory.Exists(directory)
                ? new DirectoryInfo(directory).GetFiles("yakd-*.log").Where(f => f.Name != "yakd-start.log").OrderByDescending(f => f.LastWriteTimeUtc).FirstOrDefault()
                : null;
            if (newest is null)
            {
                throw new CliException($"No yakd log in {directory} yet (yakd has not run as this user).", YakErrors.NoDaemonLog);
            }

            await using var stream = new FileStream(newest.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var lines = new Queue<string>();
            var limit = parse.GetValue(tail);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                lines.Enqueue(line);
                if (limit > 0 && lines.Count > limit)
                {
                    lines.Dequeue();
                }
            }

            foreach (var line in lines)
            {
                Print(context, line);
            }

            if (!parse.GetValue(follow))
            {
                return CliExitCodes.Success;
            }

            await context.Output.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // yakd writes each line through at once; polling five times a second keeps -f prompt and cheap.
                while (!cancellationToken.IsCancellationRequested)
                {
                    if (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
                    {
                        Print(context, line);
                        continue;
                    }

                    await context.Output.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                    await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: yakctl exits 130 as for any interrupted command.
            }

            return CliExitCodes.Success;
        });
        return command;
    }

    private static void Print(CliContext context, string line)
    {
        if (context.Output.Json)
        {
            context.Output.WriteJsonLine(DaemonLogLine.Parse(line));
        }
        else
        {
            context.Output.Out.WriteLine(line);
        }
    }
}
