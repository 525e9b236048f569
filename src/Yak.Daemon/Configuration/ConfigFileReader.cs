using Yak.Daemon.Environments;
using Yak.Environments.Yaml;
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

    private static readonly string[] TopKeys = ["owner", "sidecarCommand", "agent", "clusters"];
    private static readonly string[] ClusterKeys = ["name", "kubeconfig", "context", "capacity", "zone", "taints", "agent"];
    private static readonly string[] TaintKeys = ["key", "value", "effect"];
    private static readonly string[] AgentKeys = ["baseImage", "image"];

    public static ClusterConfig Read(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            return new ClusterConfig();
        }

        if (file.Length > MaxBytes)
        {
            throw new InvalidOperationException($"{path}: {file.Length} bytes is more than a config file needs (at most {MaxBytes}); remove what is not yak's.");
        }

        try
        {
            var text = File.ReadAllText(path);
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
            return config;
        }
        catch (YamlException ex)
        {
            throw new InvalidOperationException($"{path}:{ex.Start.Line}:{ex.Start.Column}: {ex.Message}", ex);
        }
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
