using System.Globalization;
using Yak.Daemon.Environments;
using Yak.Daemon.Telemetry;
using Yak.Environments.Yaml;
using Yak.Protocol.Transport;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

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
            var config = Load(path, text) is { } root ? Map(path, root) : new ClusterConfig();
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

    /// <summary>The top-level mapping with every key checked, or null for an empty file.</summary>
    private static YamlMappingNode? Load(string path, string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        if (stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode))
        {
            return null;
        }

        var root = Mapping(path, stream.Documents[0].RootNode, "the top level");
        Check(path, root, TopKeys, "the top level");
        CheckAgent(path, root);
        if (Child(root, "telemetry") is { } telemetry)
        {
            var section = Mapping(path, telemetry, "telemetry");
            Check(path, section, TelemetryKeys, "telemetry");
            if (Child(section, "otlp") is { } otlp)
            {
                Check(path, Mapping(path, otlp, "telemetry.otlp"), OtlpKeys, "telemetry.otlp");
            }
        }

        if (Child(root, "clusters") is YamlSequenceNode list)
        {
            foreach (var cluster in list.Children.Select(c => Mapping(path, c, "a cluster")))
            {
                Check(path, cluster, ClusterKeys, "a cluster");
                CheckAgent(path, cluster);
                if (Child(cluster, "taints") is YamlSequenceNode taintList)
                {
                    foreach (var taint in taintList.Children.Select(t => Mapping(path, t, "a taint")))
                    {
                        Check(path, taint, TaintKeys, "a taint");
                    }
                }
            }
        }

        return root;
    }

    /// <summary>
    /// The checked nodes as a <see cref="ClusterConfig"/>, read by hand rather than by YamlDotNet's reflection over the
    /// types (nothing to build at run time, which a NativeAOT yakd could not): a key with no value is absent, and a value
    /// of the wrong kind is an error at its line.
    /// </summary>
    private static ClusterConfig Map(string path, YamlMappingNode root) => new()
    {
        Owner = Text(path, root, "owner"),
        SidecarCommand = Texts(path, root, "sidecarCommand"),
        Agent = Child(root, "agent") is { } agent ? Agent(path, Mapping(path, agent, "agent")) : null,
        Clusters = Child(root, "clusters") is { } clusters ? [.. List(path, clusters, "clusters").Select(c => Cluster(path, Mapping(path, c, "a cluster")))] : [],
        Telemetry = Child(root, "telemetry") is { } telemetry
            ? new TelemetryConfig { Otlp = Child(Mapping(path, telemetry, "telemetry"), "otlp") is { } otlp ? Otlp(path, Mapping(path, otlp, "telemetry.otlp")) : null }
            : null,
    };

    private static ClusterEntry Cluster(string path, YamlMappingNode node) => new()
    {
        Name = Text(path, node, "name") ?? string.Empty,
        Kubeconfig = Text(path, node, "kubeconfig"),
        Context = Text(path, node, "context"),
        Capacity = Number(path, node, "capacity") ?? 0,
        Zone = Text(path, node, "zone"),
        Taints = Child(node, "taints") is { } taints
            ? [.. List(path, taints, "taints").Select(t => Mapping(path, t, "a taint")).Select(t => new TaintEntry { Key = Text(path, t, "key") ?? string.Empty, Value = Text(path, t, "value"), Effect = Text(path, t, "effect") })]
            : null,
        Agent = Child(node, "agent") is { } agent ? Agent(path, Mapping(path, agent, "agent")) : null,
    };

    private static AgentConfig Agent(string path, YamlMappingNode node) => new() { BaseImage = Text(path, node, "baseImage"), Image = Text(path, node, "image") };

    private static OtlpConfig Otlp(string path, YamlMappingNode node) => new()
    {
        Endpoint = Text(path, node, "endpoint") ?? string.Empty,
        Protocol = Text(path, node, "protocol"),
        Headers = Child(node, "headers") is { } headers
            ? Mapping(path, headers, "telemetry.otlp.headers").Children.ToDictionary(h => Value(path, h.Key, "a header name"), h => Value(path, h.Value, "a header value"), StringComparer.Ordinal)
            : null,
        Signals = Texts(path, node, "signals"),
        ExportIntervalSeconds = Number(path, node, "exportIntervalSeconds"),
    };

    /// <summary>The value under <paramref name="key"/>, or null when the key is missing or has no value (<c>key:</c>, <c>~</c>, <c>null</c>).</summary>
    private static YamlNode? Child(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) && !IsNull(value) ? value : null;

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static string? Text(string path, YamlMappingNode mapping, string key) => Child(mapping, key) is { } node ? Value(path, node, key) : null;

    private static string Value(string path, YamlNode node, string what) =>
        node is YamlScalarNode { Value: { } value } ? value : throw new InvalidOperationException($"{path}:{node.Start.Line}:{node.Start.Column}: {what} must be a single value, not a list or mapping.");

    private static int? Number(string path, YamlMappingNode mapping, string key) =>
        Text(path, mapping, key) is not { } text ? null
        : int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) ? number
        : throw new InvalidOperationException($"{path}:{Child(mapping, key)!.Start.Line}:{Child(mapping, key)!.Start.Column}: {key} must be a whole number, not '{text}'.");

    private static List<string>? Texts(string path, YamlMappingNode mapping, string key) =>
        Child(mapping, key) is { } node ? [.. List(path, node, key).Select(item => Value(path, item, $"each item of {key}"))] : null;

    private static IEnumerable<YamlNode> List(string path, YamlNode node, string key) =>
        (node as YamlSequenceNode)?.Children ?? throw new InvalidOperationException($"{path}:{node.Start.Line}:{node.Start.Column}: {key} must be a list (- item, or [a, b]).");

    private static void CheckAgent(string path, YamlMappingNode parent)
    {
        if (Child(parent, "agent") is { } agent)
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
