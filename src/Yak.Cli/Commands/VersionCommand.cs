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
        command.SetAction((parse, cancellationToken) => RunAsync(CliApp.Context(parse), cancellationToken));
        return command;
    }

    /// <summary><c>yakctl version</c>, also run by <see cref="QuickReads"/> without the command tree.</summary>
    internal static async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken)
    {
        // A running daemon answers on the raw socket (no JsonRpc built); anything else goes the usual way, which
        // never starts one and reports the client alone when none answers.
        var (hello, daemon) = await TryQuickAsync(context, cancellationToken).ConfigureAwait(false) ?? await AskAsync(context, cancellationToken).ConfigureAwait(false);

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
    }

    /// <summary>A running daemon answers on the raw socket (no JsonRpc built); null: go the usual way.</summary>
    private static async Task<(HelloResponse? Hello, VersionResponse? Daemon)?> TryQuickAsync(CliContext context, CancellationToken cancellationToken)
    {
        try
        {
            return await SingleCall.TryInvokeAsync<VersionResponse>(
                context.Endpoint,
                CliContext.ClientName,
                h => h.Capabilities.Contains(Capabilities.Version) ? (Methods.DaemonVersion, new VersionRequest()) : null,
                cancellationToken).ConfigureAwait(false) is { } answered
                ? (answered.Hello, answered.Response)
                : null;
        }
        catch (IncompatibleDaemonException)
        {
            // Version still answers for the client alone.
            return (null, null);
        }
    }

    /// <summary>The usual way: never starts a daemon, and reports the client alone when none answers.</summary>
    private static async Task<(HelloResponse? Hello, VersionResponse? Daemon)> AskAsync(CliContext context, CancellationToken cancellationToken)
    {
        try
        {
            await using var client = await context.ConnectAsync(autostart: false, cancellationToken).ConfigureAwait(false);
            return (client.Hello, client.Hello.Capabilities.Contains(Capabilities.Version) ? await client.VersionAsync(cancellationToken).ConfigureAwait(false) : null);
        }
        catch (Exception ex) when (ex is DaemonUnavailableException or IncompatibleDaemonException)
        {
            // Version still answers for the client alone.
            return (null, null);
        }
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
