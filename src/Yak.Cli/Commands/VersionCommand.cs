using System.CommandLine;
using Yak.Cli.Output;
using Yak.Client;
using Yak.Protocol;

namespace Yak.Cli.Commands;

/// <summary><c>yakctl version</c>: this client's version and, if one is running, the daemon's (never starts one).</summary>
internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Show the versions of yakctl and of the running yakd.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            string? daemonVersion = null;
            int? daemonProtocol = null;
            try
            {
                await using var client = await context.ConnectAsync(autostart: false, cancellationToken).ConfigureAwait(false);
                daemonVersion = client.Hello.DaemonVersion;
                daemonProtocol = client.Hello.ProtocolVersion;
            }
            catch (Exception ex) when (ex is DaemonUnavailableException or IncompatibleDaemonException)
            {
                // Version still answers for the client alone.
            }

            if (context.Output.Json)
            {
                context.Output.WriteJson(new
                {
                    client = DaemonClient.ClientVersion,
                    protocolVersion = ProtocolVersion.Current,
                    daemon = daemonVersion,
                    daemonProtocolVersion = daemonProtocol,
                });
            }
            else
            {
                context.Output.Out.WriteLine($"yakctl {DaemonClient.ClientVersion} (protocol {ProtocolVersion.Current})");
                context.Output.Out.WriteLine(daemonVersion is null ? "yakd   not running" : $"yakd   {daemonVersion} (protocol {daemonProtocol})");
            }

            return CliExitCodes.Success;
        });
        return command;
    }
}
