using Yak.Environments.Manifests;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Yak.Daemon.Environments;

/// <summary>
/// <c>$XDG_CONFIG_HOME/yak/config.yaml</c>:
/// <code>
/// owner: alice                  # optional, default: the login name
/// sidecarCommand: [...]         # optional: the yak-sync container's command
/// clusters:
///   - name: eu
///     kubeconfig: ~/.kube/config
///     context: eu-1
///     capacity: 20              # most environments placed here (0: no limit)
///     zone: eu-west-1a
///     taints: [{ key: dedicated, value: dev, effect: NoSchedule }]
/// </code>
/// </summary>
internal sealed class ClusterConfig
{
    public string? Owner { get; set; }

    public List<string>? SidecarCommand { get; set; }

    public List<ClusterEntry> Clusters { get; set; } = [];

    public static ClusterConfig Load(string configDirectory)
    {
        var path = Path.Combine(configDirectory, "config.yaml");
        if (!File.Exists(path))
        {
            return new ClusterConfig();
        }

        try
        {
            var deserializer = new DeserializerBuilder()
                .WithNamingConvention(CamelCaseNamingConvention.Instance)
                .IgnoreUnmatchedProperties()
                .Build();
            var config = deserializer.Deserialize<ClusterConfig?>(File.ReadAllText(path)) ?? new ClusterConfig();
            config.Clusters ??= [];
            foreach (var cluster in config.Clusters)
            {
                if (string.IsNullOrWhiteSpace(cluster.Name))
                {
                    throw new InvalidOperationException($"{path}: every cluster needs a name.");
                }

                cluster.Kubeconfig = ExpandHome(cluster.Kubeconfig);
            }

            return config;
        }
        catch (YamlException ex)
        {
            throw new InvalidOperationException($"{path}:{ex.Start.Line}:{ex.Start.Column}: {ex.Message}", ex);
        }
    }

    private static string? ExpandHome(string? path) =>
        path is not null && path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..])
            : path;
}

internal sealed class ClusterEntry
{
    public string Name { get; set; } = string.Empty;

    public string? Kubeconfig { get; set; }

    public string? Context { get; set; }

    public int Capacity { get; set; }

    public string? Zone { get; set; }

    public List<TaintEntry>? Taints { get; set; }

    public Placement Placement => new(Zone, [.. (Taints ?? []).Select(t => new PlacementTaint(t.Key, t.Value, t.Effect))]);
}

internal sealed class TaintEntry
{
    public string Key { get; set; } = string.Empty;

    public string? Value { get; set; }

    public string? Effect { get; set; }
}
