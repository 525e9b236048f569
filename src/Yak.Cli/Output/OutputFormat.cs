using System.Text.Json;
using Yak.Protocol.Transport;

namespace Yak.Cli.Output;

internal enum OutputFormat
{
    Text,
    Json,
}

/// <summary>Where a command writes, and in which shape: every command that prints data supports <c>--output json</c>.</summary>
internal sealed class CliOutput(TextWriter output, TextWriter error, OutputFormat format)
{
    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public OutputFormat Format { get; } = format;

    public bool Json => Format == OutputFormat.Json;

    public void WriteJson<T>(T value) => Out.WriteLine(JsonSerializer.Serialize(value, YakJson.Indented));

    /// <summary>Progress and notices go to stderr so stdout stays parseable.</summary>
    public void Progress(string message) => Error.WriteLine(message);
}
