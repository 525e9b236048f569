using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Yak.Cli.Commands;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Cli.Output;

/// <summary>
/// The JSON shapes yakctl prints that are not contract DTOs, and the options <c>--output json</c> writes with: the
/// wire's shape (camelCase, enums by name, nulls written) and compiled metadata only — also in the JIT build, so a
/// shape missing here fails every test that prints it, as it would fail in the NativeAOT yakctl (no reflection).
/// </summary>
internal static class CliJson
{
    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    public static JsonSerializerOptions Compact { get; } = Create(indented: false);

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = indented,
            RespectNullableAnnotations = true,
            // A terminal or a pipe reads quotes, < and non-ASCII as they are; the output is never embedded in HTML.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = JsonTypeInfoResolver.Combine(YakJsonContext.Default, CliJsonContext.Default),
        };
        foreach (var converter in ContractEnums.Converters)
        {
            options.Converters.Add(converter);
        }

        options.MakeReadOnly();
        return options;
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(ClusterOutput))]
[JsonSerializable(typeof(ClusterNotRunningOutput))]
[JsonSerializable(typeof(ClusterStoppedOutput))]
[JsonSerializable(typeof(DaemonLogLine))]
[JsonSerializable(typeof(DaemonRestartOutput))]
[JsonSerializable(typeof(DaemonStopOutput))]
[JsonSerializable(typeof(DoctorCommand.DoctorReport))]
[JsonSerializable(typeof(ExplainCommand.ExplainReport))]
[JsonSerializable(typeof(List<ExplainCommand.ExplainReport>))]
[JsonSerializable(typeof(ForwardRemovedOutput))]
[JsonSerializable(typeof(InstallDoneOutput))]
[JsonSerializable(typeof(InstallPlanOutput))]
[JsonSerializable(typeof(IReadOnlyList<EnvironmentInfo>))]
[JsonSerializable(typeof(IReadOnlyList<ForwardInfo>))]
[JsonSerializable(typeof(IReadOnlyList<SyncSessionInfo>))]
[JsonSerializable(typeof(SyncTerminatedOutput))]
[JsonSerializable(typeof(VersionReport))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

internal sealed record SyncTerminatedOutput(string Terminated);

internal sealed record ForwardRemovedOutput(string Removed);

internal sealed record DaemonStopOutput(bool Stopped, int? Pid);

internal sealed record DaemonRestartOutput(DaemonRestartOutput.Before? Previous, StatusResponse Daemon)
{
    internal sealed record Before(int Pid, string Version);
}

internal sealed record InstallPlanOutput(string InitSystem, bool DryRun, IReadOnlyList<InstallPlanOutput.File> Files, IReadOnlyList<string> Removals, IReadOnlyList<string[]> Commands)
{
    internal sealed record File(string Path, string Content);
}

internal sealed record InstallDoneOutput(string InitSystem, bool Installed);

internal sealed record ClusterStoppedOutput(string Status, int? Pid);

internal sealed record ClusterNotRunningOutput(string Status, string StateDirectory);

internal sealed record ClusterOutput(string Status, string Server, string Kubeconfig, string Context, int Pid, string StateDirectory, string LogPath);
