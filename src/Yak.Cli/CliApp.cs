using System.CommandLine;
using Yak.Cli.Commands;
using Yak.Cli.Commands.Streams;
using Yak.Cli.Output;
using Yak.Cli.Terminal;
using Yak.Protocol.Errors;
using Yak.Protocol.Transport;

namespace Yak.Cli;

/// <summary>Builds yakctl's command tree and runs it, mapping failures to the documented exit codes.</summary>
internal static class CliApp
{
    public static readonly Option<OutputFormat> OutputOption = OutputFormats.CreateOption();

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TerminationSignals signals)
    {
        var root = new RootCommand("yakctl: your whole dev environment in Kubernetes, feeling local. Talks to the yakd daemon.");
        root.Options.Add(OutputOption);
        root.Subcommands.Add(DaemonCommands.Create());
        root.Subcommands.Add(SyncCommands.Create());
        root.Subcommands.Add(ForwardCommands.Create());
        StreamCommands.AddTo(root);
        foreach (var command in EnvironmentCommands.Create())
        {
            root.Subcommands.Add(command);
        }

        foreach (var command in ShareCommands.Create())
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(DebugCommand.Create());
        root.Subcommands.Add(ClusterCommands.Create());
        root.Subcommands.Add(ExplainCommand.Create());
        root.Subcommands.Add(DoctorCommand.Create());
        root.Subcommands.Add(StatsCommand.Create());
        VersionCommand.AddTo(root);

        var parse = root.Parse(args);

        // yakctl handles SIGINT/SIGTERM itself (TerminationSignals); System.CommandLine's handler would race it.
        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
        if (parse.Errors.Count > 0)
        {
            // Said like every other error: its code, the fix, the page.
            var names = new List<string>();
            for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            {
                names.Insert(0, result.Command == root ? "yakctl" : result.Command.Name);
            }

            CliFailures.Write(
                error,
                YakErrors.Usage,
                string.Join("\n", parse.Errors.Select(e => e.Message).Distinct(StringComparer.Ordinal)),
                $"'{string.Join(' ', names)} --help' shows the arguments and options.");
            return CliExitCodes.Usage;
        }

        try
        {
            var code = await parse.InvokeAsync(configuration, signals.Token).ConfigureAwait(false);
            return signals.Requested ? signals.ExitCode : code;
        }
        catch (Exception) when (signals.Requested)
        {
            // Whatever broke while stopping (a cancelled call, a closed stream) is the interruption itself.
            return signals.ExitCode;
        }
        catch (Exception ex)
        {
            return await CliFailures.ReportAsync(ex, error).ConfigureAwait(false);
        }
    }

    /// <summary>The per-invocation context: output shape from <c>--output</c>, daemon location from the environment.</summary>
    public static CliContext Context(ParseResult parse) =>
        new(DaemonEndpoint.Resolve(), new CliOutput(parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, parse.GetValue(OutputOption)));
}
