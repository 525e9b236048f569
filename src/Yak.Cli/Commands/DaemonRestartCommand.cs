using System.CommandLine;
using StreamJsonRpc;
using Yak.Cli.Output;
using Yak.Client;
using Yak.Protocol.Messages;

namespace Yak.Cli.Commands;

/// <summary>
/// <c>yakctl daemon restart</c>: replaces the running yakd with the installed one (the usual step after an upgrade).
/// A graceful stop saves every session; the new yakd resumes them from its state folder (and reinstalls agents of
/// another version at their next connect), so nothing the user set up is lost.
/// </summary>
internal static class DaemonRestartCommand
{
    public static Command Create()
    {
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the old daemon to exit.", DefaultValueFactory = _ => 15 };
        var command = new Command("restart", "Replace the running yakd with the installed one, keeping its sessions and environments.");
        command.Options.Add(timeout);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            (int Pid, string Version)? before = null;
            try
            {
                await using var old = await context.ConnectAsync(autostart: false, cancellationToken).ConfigureAwait(false);
                var identified = await DaemonCommands.IdentifyAsync(old, context, cancellationToken).ConfigureAwait(false);
                before = identified;
                context.Output.Progress($"Stopping yakd {identified.Version} (pid {identified.Pid})…");
                try
                {
                    await old.ShutdownAsync("yakctl daemon restart", cancellationToken).ConfigureAwait(false);
                }
                catch (ConnectionLostException)
                {
                    // The daemon may close the connection before the answer arrives: that is the stop we asked for.
                }
                catch (DaemonAnswerUnreadableException)
                {
                    // A yakd of another release answered in its own shape: it stops all the same.
                }

                await DaemonCommands.WaitForExitAsync(identified.Pid, old, TimeSpan.FromSeconds(parse.GetValue(timeout)), cancellationToken).ConfigureAwait(false);
            }
            catch (DaemonUnavailableException)
            {
                // Nothing running: restart is a start.
            }

            await using var client = await context.ConnectAsync(autostart: true, cancellationToken).ConfigureAwait(false);
            var after = await client.StatusAsync(cancellationToken).ConfigureAwait(false);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new DaemonRestartOutput(before is null ? null : new DaemonRestartOutput.Before(before.Value.Pid, before.Value.Version), after));
            }
            else
            {
                context.Output.Out.WriteLine(before is null
                    ? $"yakd was not running; started {after.Version} (pid {after.Pid})"
                    : $"yakd restarted: {before.Value.Version} (pid {before.Value.Pid}) → {after.Version} (pid {after.Pid})");
                context.Output.Out.WriteLine($"  resumed   sync {after.Sessions.Sync}, forwards {after.Sessions.Forwards}, environments {after.Sessions.Environments}");
            }

            return CliExitCodes.Success;
        });
        return command;
    }
}
