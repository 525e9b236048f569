using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s.Models;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Runtime;

namespace Yak.LocalCluster.Controllers;

/// <summary>
/// What the kubelet reads from the API before starting a pod's containers: <c>env[].valueFrom</c>
/// (configMapKeyRef, secretKeyRef) and <c>envFrom</c> are turned into plain values, configMap and secret volumes into
/// files. A missing object or key that is not optional is reported the kubelet's way: for env,
/// <c>CreateContainerConfigError</c>; for a volume, <c>FailedMount</c> while the pod stays ContainerCreating.
/// </summary>
internal static partial class PodConfigResolver
{
    private const UnixFileMode DefaultMode = (UnixFileMode)0x1A4; // 0644, the API's default for both kinds

    /// <summary>The outcome: the pod to run (env resolved) and its volume files, or what is missing.</summary>
    public sealed record Result(V1Pod? Pod, IReadOnlyDictionary<string, IReadOnlyList<VolumeFile>> Files, string? Container, string? Error, bool VolumeError);

    public static Result Resolve(ClusterApi api, V1Pod pod)
    {
        var ns = pod.Metadata.NamespaceProperty;
        var files = new Dictionary<string, IReadOnlyList<VolumeFile>>(StringComparer.Ordinal);
        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            var (data, error) = volume.ConfigMap is { } cm ? Data(api, ns, ResourceCatalog.ConfigMaps, cm.Name, cm.Optional == true)
                : volume.Secret is { } s ? Data(api, ns, ResourceCatalog.Secrets, s.SecretName, s.Optional == true)
                : (null, null);
            if (error is not null)
            {
                return new Result(null, files, null, $"MountVolume.SetUp failed for volume \"{volume.Name}\" : {error}", VolumeError: true);
            }

            if (data is null)
            {
                continue;
            }

            var items = volume.ConfigMap?.Items ?? volume.Secret?.Items;
            var mode = (UnixFileMode?)(volume.ConfigMap?.DefaultMode ?? volume.Secret?.DefaultMode) ?? DefaultMode;
            var list = new List<VolumeFile>();
            if (items is { Count: > 0 })
            {
                foreach (var item in items)
                {
                    if (!data.TryGetValue(item.Key, out var content))
                    {
                        if (volume.ConfigMap?.Optional == true || volume.Secret?.Optional == true)
                        {
                            continue;
                        }

                        var kind = volume.ConfigMap is not null ? "configmap" : "secret";
                        return new Result(null, files, null, $"MountVolume.SetUp failed for volume \"{volume.Name}\" : {kind} references non-existent {kind} key: {item.Key}", VolumeError: true);
                    }

                    list.Add(new VolumeFile(item.Path, content, (UnixFileMode?)item.Mode ?? mode));
                }
            }
            else
            {
                list.AddRange(data.Select(kv => new VolumeFile(kv.Key, kv.Value, mode)));
            }

            files[volume.Name] = list;
        }

        // Only the spec is copied, for its env is rewritten: the metadata's managedFields hold JSON values that
        // KubernetesClient.Aot's generated serializer metadata cannot write.
        var copy = new V1Pod
        {
            ApiVersion = pod.ApiVersion,
            Kind = pod.Kind,
            Metadata = pod.Metadata,
            Spec = k8s.KubernetesJson.Deserialize<V1PodSpec>(k8s.KubernetesJson.Serialize(pod.Spec)),
            Status = pod.Status,
        };
        foreach (var container in (copy.Spec.InitContainers ?? []).Concat(copy.Spec.Containers ?? []))
        {
            var error = ResolveEnv(api, ns, container);
            if (error is not null)
            {
                return new Result(null, files, container.Name, error, VolumeError: false);
            }
        }

        return new Result(copy, files, null, null, false);
    }

    /// <summary>Replaces envFrom and valueFrom references with values; <c>$</c> is doubled so <c>$(VAR)</c> expansion leaves them as they are.</summary>
    private static string? ResolveEnv(ClusterApi api, string ns, V1Container container)
    {
        var env = new List<V1EnvVar>();
        foreach (var source in container.EnvFrom ?? [])
        {
            var (data, error) = source.ConfigMapRef is { } cm ? Data(api, ns, ResourceCatalog.ConfigMaps, cm.Name, cm.Optional == true)
                : source.SecretRef is { } s ? Data(api, ns, ResourceCatalog.Secrets, s.Name, s.Optional == true)
                : (null, null);
            if (error is not null)
            {
                return error;
            }

            foreach (var (key, value) in data ?? [])
            {
                var name = (source.Prefix ?? "") + key;
                // As the kubelet: keys that are not valid variable names are skipped.
                if (EnvName().IsMatch(name))
                {
                    env.RemoveAll(e => e.Name == name);
                    env.Add(Literal(name, value));
                }
            }
        }

        foreach (var item in container.Env ?? [])
        {
            var reference = item.ValueFrom?.ConfigMapKeyRef is { } cmKey ? (ResourceCatalog.ConfigMaps, cmKey.Name, cmKey.Key, cmKey.Optional == true)
                : item.ValueFrom?.SecretKeyRef is { } secretKey ? (ResourceCatalog.Secrets, secretKey.Name, secretKey.Key, secretKey.Optional == true)
                : ((ResourceType, string, string, bool)?)null;
            env.RemoveAll(e => e.Name == item.Name);
            if (reference is not { } r)
            {
                env.Add(item);
                continue;
            }

            var (data, error) = Data(api, ns, r.Item1, r.Item2, r.Item4);
            if (error is not null)
            {
                return error;
            }

            if (data is not null && data.TryGetValue(r.Item3, out var value))
            {
                env.Add(Literal(item.Name, value));
            }
            else if (!r.Item4)
            {
                return $"couldn't find key {r.Item3} in {r.Item1.Kind} {ns}/{r.Item2}";
            }
        }

        container.EnvFrom = null;
        container.Env = env.Count > 0 ? env : null;
        return null;
    }

    private static V1EnvVar Literal(string name, byte[] value) =>
        new() { Name = name, Value = Encoding.UTF8.GetString(value).Replace("$", "$$", StringComparison.Ordinal) };

    /// <summary>The object's keys and bytes (Secret <c>data</c> decoded from base64; ConfigMap <c>data</c> and <c>binaryData</c>).</summary>
    private static (Dictionary<string, byte[]>? Data, string? Error) Data(ClusterApi api, string ns, ResourceType type, string? name, bool optional)
    {
        var obj = string.IsNullOrEmpty(name) ? null : api.TryGet(type, ns, name);
        if (obj is null)
        {
            return optional ? (null, null) : (null, $"{type.Singular} \"{name}\" not found");
        }

        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in obj["data"] as JsonObject ?? [])
        {
            var text = value?.GetValue<string>() ?? "";
            data[key] = type == ResourceCatalog.Secrets ? Decode(text) : Encoding.UTF8.GetBytes(text);
        }

        foreach (var (key, value) in obj["binaryData"] as JsonObject ?? [])
        {
            data[key] = Decode(value?.GetValue<string>() ?? "");
        }

        return (data, null);
    }

    private static byte[] Decode(string base64)
    {
        try
        {
            return Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    [GeneratedRegex("^[-._a-zA-Z][-._a-zA-Z0-9]*$")]
    private static partial Regex EnvName();
}
