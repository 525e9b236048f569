using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Discovery;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Scheduling;

/// <summary>
/// Keeps one Node object per configured node: labels (hostname, os, arch, zone, region), taints, capacity and
/// allocatable from this machine, a Ready condition. Only differences are written, so passes converge.
/// </summary>
internal sealed class NodeController(ClusterApi api, IReadOnlyList<NodeOptions> nodes)
{
    /// <summary>What the kubelet reports by default.</summary>
    private const int MaxPods = 110;

    private readonly string _startedAt = Meta.Now();

    public void Reconcile()
    {
        foreach (var node in nodes)
        {
            var desired = Desired(node);
            if (api.TryGet(ResourceCatalog.Nodes, "", node.Name) is null)
            {
                try
                {
                    api.Create(ResourceCatalog.Nodes, "", desired, WriteOptions.Internal);
                }
                catch (ApiException)
                {
                    // Created meanwhile.
                }

                continue;
            }

            api.Modify(ResourceCatalog.Nodes, "", node.Name, obj =>
            {
                var before = obj.DeepClone();
                var labels = Meta.Labels(obj);
                foreach (var (key, value) in (JsonObject)desired["metadata"]!["labels"]!)
                {
                    labels[key] = value?.DeepClone();
                }

                Meta.Metadata(obj)["labels"] = labels;
                obj["spec"] = desired["spec"]!.DeepClone();
                obj["status"] = desired["status"]!.DeepClone();
                return !JsonNode.DeepEquals(before, obj);
            });
        }
    }

    private JsonObject Desired(NodeOptions node)
    {
        var arch = RuntimeInformation.OSArchitecture switch
        {
            Architecture.Arm64 => "arm64",
            Architecture.Arm => "arm",
            _ => "amd64",
        };
        var labels = new JsonObject
        {
            ["kubernetes.io/hostname"] = node.Name,
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = arch,
            ["beta.kubernetes.io/os"] = "linux",
            ["beta.kubernetes.io/arch"] = arch,
            ["topology.kubernetes.io/zone"] = node.Zone,
            ["topology.kubernetes.io/region"] = node.Region,
        };
        foreach (var (key, value) in node.Labels)
        {
            labels[key] = value;
        }

        var spec = new JsonObject();
        if (node.Taints.Count > 0)
        {
            spec["taints"] = new JsonArray(node.Taints.Select(t =>
            {
                var taint = new JsonObject { ["key"] = t.Key, ["effect"] = t.Effect };
                if (t.Value is not null)
                {
                    taint["value"] = t.Value;
                }

                return (JsonNode)taint;
            }).ToArray());
        }

        var resources = new JsonObject
        {
            ["cpu"] = Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["memory"] = $"{MemoryKibibytes()}Ki",
            ["pods"] = MaxPods.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ephemeral-storage"] = $"{DiskKibibytes()}Ki",
        };
        JsonObject Condition(string type, string status, string reason, string message) => new()
        {
            ["type"] = type,
            ["status"] = status,
            ["lastHeartbeatTime"] = _startedAt,
            ["lastTransitionTime"] = _startedAt,
            ["reason"] = reason,
            ["message"] = message,
        };

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject { ["name"] = node.Name, ["labels"] = labels },
            ["spec"] = spec,
            ["status"] = new JsonObject
            {
                ["capacity"] = resources.DeepClone(),
                ["allocatable"] = resources,
                ["conditions"] = new JsonArray(
                    Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status")),
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = "127.0.0.1" },
                    new JsonObject { ["type"] = "Hostname", ["address"] = node.Name }),
                ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = 0 } },
                ["nodeInfo"] = new JsonObject
                {
                    ["machineID"] = "",
                    ["systemUUID"] = "",
                    ["bootID"] = "",
                    ["kernelVersion"] = Environment.OSVersion.Version.ToString(),
                    ["osImage"] = RuntimeInformation.OSDescription,
                    ["containerRuntimeVersion"] = "yak-local://1",
                    ["kubeletVersion"] = DiscoveryEndpoints.GitVersion,
                    ["kubeProxyVersion"] = DiscoveryEndpoints.GitVersion,
                    ["operatingSystem"] = "linux",
                    ["architecture"] = arch,
                },
            },
        };
    }

    /// <summary>MemTotal from /proc/meminfo (what the kubelet reports), else what .NET sees.</summary>
    private static long MemoryKibibytes()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (line is not null && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out var kib))
            {
                return kib;
            }
        }
        catch (IOException)
        {
        }

        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024;
    }

    private static long DiskKibibytes()
    {
        try
        {
            return new DriveInfo("/").TotalSize / 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return 0;
        }
    }
}
