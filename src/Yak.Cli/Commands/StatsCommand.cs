using System.CommandLine;
using Yak.Cli.Output;
using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;

namespace Yak.Cli.Commands;

/// <summary><c>yakctl stats [--since 7d] [--slowest N]</c>: how long you waited for yak, per kind, from yakd's local record.</summary>
internal static class StatsCommand
{
    public static Command Create()
    {
        var since = new Option<string>("--since") { Description = "How far back: 30m, 24h, 7d (default 7d).", DefaultValueFactory = _ => "7d" };
        var slowest = new Option<int>("--slowest") { Description = "How many of the slowest operations to list (default 5).", DefaultValueFactory = _ => 5 };
        var command = new Command("stats", "How long you waited: per kind of wait the count, p50, p90, max and minutes per day, and the slowest operations with their phases.");
        command.Options.Add(since);
        command.Options.Add(slowest);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            var window = StatsText.ParseWindow(parse.GetValue(since)!)
                ?? throw new CliException($"--since '{parse.GetValue(since)}' is not a duration.", YakErrors.Usage, CliExitCodes.Usage, "write it as a number and a unit: 30m, 24h, 7d.");
            var count = parse.GetValue(slowest);
            if (count is < 1 or > 100)
            {
                throw new CliException($"--slowest {count} is outside 1..100.", YakErrors.Usage, CliExitCodes.Usage);
            }

            await using var client = await context.ConnectAsync(cancellationToken);
            if (!client.Hello.Capabilities.Contains(Capabilities.Stats))
            {
                throw new CliException($"yakd {client.Hello.DaemonVersion} does not record waits.", YakErrors.VersionMismatch, hint: "run 'yakctl daemon restart' to start the yakd that came with this yakctl.");
            }

            var stats = await client.WaitStatsAsync(new WaitStatsRequest { SinceSeconds = (int)Math.Min(int.MaxValue, window.TotalSeconds), Slowest = count }, cancellationToken);
            if (context.Output.Json)
            {
                context.Output.WriteJson(stats);
            }
            else
            {
                StatsText.Write(context.Output.Out, stats);
            }

            return CliExitCodes.Success;
        });
        return command;
    }
}
