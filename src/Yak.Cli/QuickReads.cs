using Yak.Cli.Commands;
using Yak.Cli.Output;
using Yak.Cli.Terminal;
using Yak.Client;
using Yak.Protocol.Transport;

namespace Yak.Cli;

/// <summary>
/// The read commands a user types many times a day — <c>status [NAME] [-f SPEC]</c>, <c>daemon status</c>,
/// <c>version</c>, <c>--version</c>, each with <c>--output text|json</c> — run without building the command tree:
/// building and parsing it (System.CommandLine) is more start-up CPU than the call itself. Only these plain shapes
/// are taken here; anything else (help, other spellings, unknown tokens, a bad value) returns null and goes through
/// <see cref="CliApp"/>, which parses and reports as always. The commands run the same code either way.
/// </summary>
internal static class QuickReads
{
    public static async Task<int?> TryRunAsync(string[] args, TextWriter output, TextWriter error, TerminationSignals signals)
    {
        if (args is ["--version"])
        {
            output.WriteLine(DaemonClient.ClientVersion);
            return CliExitCodes.Success;
        }

        if (Parse(args) is not { } read)
        {
            return null;
        }

        var context = new CliContext(DaemonEndpoint.Resolve(), new CliOutput(output, error, read.Format));
        try
        {
            var code = read.Command switch
            {
                Read.DaemonStatus => await DaemonCommands.RunStatusAsync(context, signals.Token).ConfigureAwait(false),
                Read.Version => await VersionCommand.RunAsync(context, signals.Token).ConfigureAwait(false),
                _ => await EnvironmentCommands.RunStatusAsync(context, read.Name, read.SpecFile, signals.Token).ConfigureAwait(false),
            };
            return signals.Requested ? signals.ExitCode : code;
        }
        catch (Exception) when (signals.Requested)
        {
            return signals.ExitCode;
        }
        catch (Exception ex)
        {
            return await CliFailures.ReportAsync(ex, error).ConfigureAwait(false);
        }
    }

    /// <summary>The plain shapes only; null for anything the full parser should see.</summary>
    internal static QuickRead? Parse(IReadOnlyList<string> args)
    {
        var format = OutputFormat.Text;
        var words = new List<string>(2);
        string? specFile = null;
        for (var i = 0; i < args.Count; i++)
        {
            var token = args[i];
            switch (token)
            {
                case "--output" or "-o" when i + 1 < args.Count:
                    switch (args[++i].ToLowerInvariant())
                    {
                        case "text":
                            format = OutputFormat.Text;
                            break;
                        case "json":
                            format = OutputFormat.Json;
                            break;
                        default:
                            return null;
                    }

                    break;
                case "--file" or "-f" when i + 1 < args.Count && specFile is null && !args[i + 1].StartsWith('-'):
                    specFile = args[++i];
                    break;
                default:
                    // Options, response files (@file), empty tokens: the full parser's job.
                    if (token.Length == 0 || token[0] is '-' or '@')
                    {
                        return null;
                    }

                    words.Add(token);
                    break;
            }
        }

        return words switch
        {
            ["status"] or ["status", _] => new QuickRead(Read.EnvironmentStatus, format, words.Count == 2 ? words[1] : null, specFile),
            ["daemon", "status"] when specFile is null => new QuickRead(Read.DaemonStatus, format, null, null),
            ["version"] when specFile is null => new QuickRead(Read.Version, format, null, null),
            _ => null,
        };
    }

    internal enum Read
    {
        EnvironmentStatus,
        DaemonStatus,
        Version,
    }

    internal sealed record QuickRead(Read Command, OutputFormat Format, string? Name, string? SpecFile);
}
