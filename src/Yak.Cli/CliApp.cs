using System.CommandLine;
using StreamJsonRpc;
using Yak.Cli.Commands;
using Yak.Cli.Output;
using Yak.Client;
using Yak.Protocol.Transport;

namespace Yak.Cli;

/// <summary>Builds yakctl's command tree and runs it, mapping failures to the documented exit codes.</summary>
internal static class CliApp
{
    public static readonly Option<OutputFormat> OutputOption = new("--output", "-o")
    {
        Description = "Output format: text or json.",
        Recursive = true,
        DefaultValueFactory = _ => OutputFormat.Text,
    };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
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

        root.Subcommands.Add(ClusterCommands.Create());
        root.Subcommands.Add(VersionCommand.Create());

        var parse = root.Parse(args);
        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        if (parse.Errors.Count > 0)
        {
            await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
            return CliExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (DaemonUnavailableException ex)
        {
            await error.WriteLineAsync($"yakctl: {ex.Message}").ConfigureAwait(false);
            await error.WriteLineAsync(DaemonLauncher.AutostartDisabled
                ? $"hint: {DaemonLauncher.NoAutostartVariable}=1 is set; start it with 'yakctl daemon start'."
                : "hint: 'yakctl daemon run' starts it in the foreground and shows why it fails.").ConfigureAwait(false);
            return CliExitCodes.DaemonUnavailable;
        }
        catch (IncompatibleDaemonException ex)
        {
            await error.WriteLineAsync($"yakctl: {ex.Message}").ConfigureAwait(false);
            return CliExitCodes.IncompatibleProtocol;
        }
        catch (RemoteRpcException ex)
        {
            await error.WriteLineAsync($"yakctl: {ex.Message}").ConfigureAwait(false);
            return CliExitCodes.Failure;
        }
        catch (CliException ex)
        {
            await error.WriteLineAsync($"yakctl: {ex.Message}").ConfigureAwait(false);
            return ex.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return CliExitCodes.Interrupted;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            await error.WriteLineAsync($"yakctl: {ex.Message}").ConfigureAwait(false);
            return CliExitCodes.Failure;
        }
    }

    /// <summary>The per-invocation context: output shape from <c>--output</c>, daemon location from the environment.</summary>
    public static CliContext Context(ParseResult parse) =>
        new(DaemonEndpoint.Resolve(), new CliOutput(parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, parse.GetValue(OutputOption)));
}

/// <summary>A failure the user can act on, with the exit code that goes with it.</summary>
internal sealed class CliException(string message, int exitCode = CliExitCodes.Failure) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
