using k8s.Models;
using Yak.Environments.Spec;

namespace Yak.Environments.Manifests;

/// <summary>Builds a service's pod spec: app container, <c>yak-sync</c> sidecar, shared volumes, probe, placement.</summary>
internal static class PodTemplateBuilder
{
    public static string PortName(PortSpec port) => port.Name ?? $"{(port.Protocol == PortProtocol.Udp ? "udp" : "tcp")}-{port.ContainerPort}";

    public static V1PodSpec PodSpec(ServiceSpec service, ManifestOptions options, Placement placement)
    {
        var volumes = new List<V1Volume>();
        var appMounts = new List<V1VolumeMount>();
        var sidecarMounts = new List<V1VolumeMount>();
        for (var i = 0; i < service.Syncs.Count; i++)
        {
            var sync = service.Syncs[i];
            var volume = SyncSidecar.VolumeName(i);
            volumes.Add(new V1Volume { Name = volume, EmptyDir = new V1EmptyDirVolumeSource() });
            appMounts.Add(new V1VolumeMount { Name = volume, MountPath = sync.ContainerPath, ReadOnlyProperty = sync.ReadOnly ? true : null });
            sidecarMounts.Add(new V1VolumeMount { Name = volume, MountPath = SyncSidecar.AgentRoot(i) });
        }

        if (service.WaitsForInitialSync)
        {
            volumes.Add(new V1Volume { Name = SyncSidecar.GateVolume, EmptyDir = new V1EmptyDirVolumeSource() });
            appMounts.Add(new V1VolumeMount { Name = SyncSidecar.GateVolume, MountPath = SyncSidecar.GateMountPath });
        }

        appMounts.AddRange(service.Volumes.Select(v => new V1VolumeMount { Name = v.Name, MountPath = v.MountPath }));

        var containers = new List<V1Container> { AppContainer(service, appMounts, options.Images.GetValueOrDefault(service.Name)) };
        if (service.Syncs.Count > 0)
        {
            // The delivered agent and its scan caches: outlive sidecar restarts (no second upload), not the pod.
            volumes.Add(new V1Volume { Name = SyncSidecar.AgentVolume, EmptyDir = new V1EmptyDirVolumeSource() });
            sidecarMounts.Add(new V1VolumeMount { Name = SyncSidecar.AgentVolume, MountPath = SyncSidecar.AgentMountPath });
            containers.Add(new V1Container
            {
                Name = SyncSidecar.ContainerName,
                Image = options.SidecarImage,
                Command = [.. options.SidecarCommand],
                VolumeMounts = sidecarMounts,
                Resources = new V1ResourceRequirements
                {
                    Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("32Mi") },
                },
            });
        }

        return new V1PodSpec
        {
            Containers = containers,
            Volumes = volumes.Count > 0 ? volumes : null,
            Affinity = Affinity(placement),
            Tolerations = placement.Taints.Count > 0 ? [.. placement.Taints.Select(Toleration)] : null,
        };
    }

    private static V1Container AppContainer(ServiceSpec service, List<V1VolumeMount> mounts, ServiceImage? fetched)
    {
        IList<string>? command = service.Command is null ? null : [.. service.Command];
        IList<string>? args = service.Args is null ? null : [.. service.Args];
        if (service.WaitsForInitialSync && (service.Command is not null || service.Args is not null))
        {
            command = ["sh", "-c", SyncSidecar.WaitScript, "yak-wait-for-sync", .. service.Command ?? [], .. service.Args ?? []];
            args = null;
        }

        return new V1Container
        {
            Name = service.Name,
            Image = fetched?.Image ?? service.Image,
            ImagePullPolicy = fetched is { AlwaysPull: true } ? "Always" : null,
            Command = command,
            Args = args,
            WorkingDir = service.WorkingDir,
            Env = service.Env.Count > 0 ? [.. service.Env.Select(e => new V1EnvVar { Name = e.Name, Value = e.Value })] : null,
            Ports = service.Ports.Count > 0
                ? [.. service.Ports.Select(p => new V1ContainerPort { Name = PortName(p), ContainerPort = p.ContainerPort, Protocol = Protocol(p.Protocol) })]
                : null,
            VolumeMounts = mounts.Count > 0 ? mounts : null,
            ReadinessProbe = Probe(service.Readiness),
            Resources = Resources(service.Resources),
        };
    }

    public static string Protocol(PortProtocol protocol) => protocol == PortProtocol.Udp ? "UDP" : "TCP";

    private static V1Probe? Probe(ReadinessSpec? readiness)
    {
        if (readiness is null)
        {
            return null;
        }

        return new V1Probe
        {
            HttpGet = readiness.HttpGet is { } http ? new V1HTTPGetAction { Path = http.Path, Port = http.Port } : null,
            TcpSocket = readiness.TcpPort is { } tcp ? new V1TCPSocketAction { Port = tcp } : null,
            Exec = readiness.Exec is { } exec ? new V1ExecAction { Command = [.. exec] } : null,
            PeriodSeconds = readiness.PeriodSeconds,
            FailureThreshold = readiness.FailureThreshold,
            InitialDelaySeconds = readiness.InitialDelaySeconds,
            TimeoutSeconds = readiness.TimeoutSeconds,
        };
    }

    private static V1ResourceRequirements? Resources(ResourceSpec resources)
    {
        if (resources.IsEmpty)
        {
            return null;
        }

        static Dictionary<string, ResourceQuantity>? Amounts(string? cpu, string? memory)
        {
            var amounts = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
            if (cpu is not null)
            {
                amounts["cpu"] = new ResourceQuantity(cpu);
            }

            if (memory is not null)
            {
                amounts["memory"] = new ResourceQuantity(memory);
            }

            return amounts.Count > 0 ? amounts : null;
        }

        return new V1ResourceRequirements
        {
            Requests = Amounts(resources.CpuRequest, resources.MemoryRequest),
            Limits = Amounts(resources.CpuLimit, resources.MemoryLimit),
        };
    }

    private static V1Affinity? Affinity(Placement placement) => placement.Zone is not { } zone
        ? null
        : new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                {
                    NodeSelectorTerms =
                    [
                        new V1NodeSelectorTerm
                        {
                            MatchExpressions = [new V1NodeSelectorRequirement { Key = Placement.ZoneLabel, OperatorProperty = "In", Values = [zone] }],
                        },
                    ],
                },
            },
        };

    private static V1Toleration Toleration(PlacementTaint taint) => new()
    {
        Key = taint.Key,
        OperatorProperty = taint.Value is null ? "Exists" : "Equal",
        Value = taint.Value,
        Effect = taint.Effect,
    };
}
