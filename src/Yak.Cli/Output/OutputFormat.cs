using System.CommandLine;
using System.Text.Json;
using Yak.Protocol.Transport;

namespace Yak.Cli.Output;

internal enum OutputFormat
{
    Text,
    Json,
}

/// <summary><c>--output text|json</c>: lowercase in help, in completions and in the error for anything else.</summary>
internal static class OutputFormats
{
    private static readonly string[] Names = ["text", "json"];

    public static Option<OutputFormat> CreateOption()
    {
        var option = new Option<OutputFormat>("--output", "-o")
        {
            // No DefaultValueFactory: help would print the enum's name ("[default: Text]"); unset is Text anyway.
            Description = "Output format: text (default) or json.",
            HelpName = string.Join('|', Names),
            Recursive = true,
            CustomParser = result =>
            {
                var value = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
                switch (value.ToLowerInvariant())
                {
                    case "text":
                        return OutputFormat.Text;
                    case "json":
                        return OutputFormat.Json;
                    default:
                        result.AddError($"--output takes {string.Join(" or ", Names)}, not '{value}'.");
                        return OutputFormat.Text;
                }
            },
        };
        option.CompletionSources.Add(Names);
        return option;
    }
}

/// <summary>Where a command writes, and in which shape: every command that prints data supports <c>--output json</c>.</summary>
internal sealed class CliOutput(TextWriter output, TextWriter error, OutputFormat format)
{
    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public OutputFormat Format { get; } = format;

    public bool Json => Format == OutputFormat.Json;

    public void WriteJson<T>(T value) => Out.WriteLine(JsonSerializer.Serialize(value, CliJson.Indented.Info<T>()));

    /// <summary>One JSON object on one line (streams: logs).</summary>
    public void WriteJsonLine<T>(T value) => Out.WriteLine(JsonSerializer.Serialize(value, CliJson.Compact.Info<T>()));

    /// <summary>Progress and notices go to stderr so stdout stays parseable.</summary>
    public void Progress(string message) => Error.WriteLine(message);
}
