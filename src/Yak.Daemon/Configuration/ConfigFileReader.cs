using Yak.Daemon.Environments;
using Yak.Environments.Yaml;
using Yak.Protocol.Transport;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Yak.Daemon.Configuration;

/// <summary>
/// Reads config.yaml strictly: a key yakd does not know is an error at its line with the closest known key, so a typo
/// never silently drops a setting. A missing file is the empty config.
/// </summary>
internal static class ConfigFileReader
{
    /// <summary>Far above any real config; a bigger file is refused rather than read.</summary>
    public const long MaxBytes = 1 << 20;

    private static readonly string[] TopKeys = ["owner", "sidecarCommand", "agent", "clusters", "telemetry"];
    private static readonly string[] TelemetryKeys = ["otlp"];
    private static readonly string[] OtlpKeys = ["endpoint", "protocol", "headers", "signals", "exportIntervalSeconds"];
    private static readonly string[] ClusterKeys = ["name", "kubeconfig", "context", "capacity", "zone", "taints", "agent"];
    private static readonly string[] TaintKeys = ["key", "value", "effect"];
    private static readonly string[] AgentKeys = ["baseImage", "image"];

    public static ClusterConfig Read(string path)
    {
        if (ReadBounded(path) is not { } text)
        {
            return new ClusterConfig();
        }

        // YamlDotNet's loader and deserializer recurse without a bound: only a text within the spec reader's
        // depth, alias and size limits reaches them (50,000 nested '[' overflowed yakd's stack).
        if (YamlLimits.Check(path, text) is [var problem, ..])
        {
            throw new InvalidOperationException(problem.ToString());
        }

        try
        {
            CheckKeys(path, text);
            var deserializer = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build();
            var config = deserializer.Deserialize<ClusterConfig?>(text) ?? new ClusterConfig();
            config.Clusters ??= [];
            foreach (var cluster in config.Clusters)
            {
                if (string.IsNullOrWhiteSpace(cluster.Name))
                {
                    throw new InvalidOperationException($"{path}: every cluster needs a name.");
                }

                cluster.Kubeconfig = ExpandHome(cluster.Kubeconfig);
                cluster.Agent?.Validate($"{path}: clusters[{cluster.Name}].agent");
            }

            config.Agent?.Validate($"{path}: agent");
            config.Telemetry?.Otlp?.Validate($"{path}: telemetry.otlp");
            return config;
        }
        catch (YamlException ex)
        {
            throw new InvalidOperationException($"{path}:{ex.Start.Line}:{ex.Start.Column}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The file's text, or null when there is none. Only a regular file (a link to one is fine) is read, and never
    /// more than <see cref="MaxBytes"/>: a link to /dev/zero or a FIFO is refused instead of filling memory or hanging.
    /// </summary>
    private static string? ReadBounded(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists && file.LinkTarget is null)
        {
            return null;
        }

        var target = file.LinkTarget is null ? file : file.ResolveLinkTarget(returnFinalTarget: true) as FileInfo;
        var kind = target is null ? null : OperatingSystem.IsWindows() ? PathKind.File : UnixIdentity.Examine(target.FullName)?.Kind;
        if (kind != PathKind.File)
        {
            throw new InvalidOperationException($"{path}: not a regular file{(target is null ? string.Empty : $" ({target.FullName})")}; config.yaml must be a plain file.");
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var buffer = new byte[MaxBytes + 1];
        var length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (length > MaxBytes)
        {
            throw new InvalidOperationException($"{path}: more than {MaxBytes} bytes is more than a config file needs; remove what is not yak's.");
        }

        return new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetString(buffer, 0, length).TrimStart('\uFEFF');
    }

    private static void CheckKeys(string path, string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return;
        }

        var root = Mapping(path, stream.Documents[0].RootNode, "the top level");
        Check(path, root, TopKeys, "the top level");
        CheckAgent(path, root);
        if (root.Children.TryGetValue(new YamlScalarNode("telemetry"), out var telemetry))
        {
            var section = Mapping(path, telemetry, "telemetry");
            Check(path, section, TelemetryKeys, "telemetry");
            if (section.Children.TryGetValue(new YamlScalarNode("otlp"), out var otlp))
            {
                Check(path, Mapping(path, otlp, "telemetry.otlp"), OtlpKeys, "telemetry.otlp");
            }
        }

        if (root.Children.TryGetValue(new YamlScalarNode("clusters"), out var clusters) && clusters is YamlSequenceNode list)
        {
            foreach (var cluster in list.Children.Select(c => Mapping(path, c, "a cluster")))
            {
                Check(path, cluster, ClusterKeys, "a cluster");
                CheckAgent(path, cluster);
                if (cluster.Children.TryGetValue(new YamlScalarNode("taints"), out var taints) && taints is YamlSequenceNode taintList)
                {
                    foreach (var taint in taintList.Children.Select(t => Mapping(path, t, "a taint")))
                    {
                        Check(path, taint, TaintKeys, "a taint");
                    }
                }
            }
        }
    }

    private static void CheckAgent(string path, YamlMappingNode parent)
    {
        if (parent.Children.TryGetValue(new YamlScalarNode("agent"), out var agent))
        {
            Check(path, Mapping(path, agent, "agent"), AgentKeys, "agent");
        }
    }

    private static YamlMappingNode Mapping(string path, YamlNode node, string what) =>
        node as YamlMappingNode ?? throw new InvalidOperationException($"{path}:{node.Start.Line}:{node.Start.Column}: {what} must be a mapping of keys to values.");

    private static void Check(string path, YamlMappingNode mapping, string[] known, string where)
    {
        foreach (var key in mapping.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? string.Empty;
            if (!known.Contains(name, StringComparer.Ordinal))
            {
                throw new InvalidOperationException(
                    $"{path}:{key.Start.Line}:{key.Start.Column}: unknown key '{name}' in {where}{DidYouMean.Hint(name, known)}; known keys: {string.Join(", ", known)}.");
            }
        }
    }

    private static string? ExpandHome(string? path) =>
        path is not null && path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..])
            : path;
}
