using System.CommandLine;
using System.CommandLine.Invocation;
using Yak.Cli.Output;
using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Cli.Commands;

/// <summary>
/// <c>yakctl version</c>: this client's version, the running yakd's (never starts one) and each environment's agent;
/// <c>yakctl --version</c> prints the same client version string. One version for all three: Directory.Build.props.
/// </summary>
internal static class VersionCommand
{
    /// <summary>Adds <c>version</c> and makes <c>--version</c> print the same version as <c>version</c>.</summary>
    public static void AddTo(RootCommand root)
    {
        root.Subcommands.Add(Create());
        foreach (var option in root.Options.OfType<VersionOption>())
        {
            option.Action = new PrintVersion();
        }
    }

    public static Command Create()
    {
        var command = new Command("version", "Show the versions of yakctl, of the running yakd and of each environment's sync agent.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            HelloResponse? hello = null;
            VersionResponse? daemon = null;
            try
            {
                await using var client = await context.ConnectAsync(autostart: false, cancellationToken).ConfigureAwait(false);
                hello = client.Hello;
                if (hello.Capabilities.Contains(Capabilities.Version))
                {
                    daemon = await client.VersionAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is DaemonUnavailableException or IncompatibleDaemonException)
            {
                // Version still answers for the client alone.
            }

            var report = VersionReport.From(hello, daemon);
            if (context.Output.Json)
            {
                context.Output.WriteJson(report);
            }
            else
            {
                VersionReport.Write(context.Output.Out, report);
            }

            if (report.DaemonMatches == false)
            {
                context.Output.Progress(VersionReport.MismatchNotice(report.Daemon!));
            }

            return CliExitCodes.Success;
        });
        return command;
    }

    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(DaemonClient.ClientVersion);
            return CliExitCodes.Success;
        }
    }
}
