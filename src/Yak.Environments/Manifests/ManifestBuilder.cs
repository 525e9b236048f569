using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Models;
using Yak.Environments.Naming;
using Yak.Environments.Spec;

namespace Yak.Environments.Manifests;

/// <summary>
/// Turns an <see cref="EnvironmentSpec"/> into the Kubernetes objects of its namespace. Pure and deterministic: the
/// same spec and options give byte-identical JSON, so a server-side apply of an unchanged spec changes nothing.
/// </summary>
public static class ManifestBuilder
{
    public const string SpecHashAnnotation = "yak.dev/spec-hash";
    public const string DependsOnAnnotation = "yak.dev/depends-on";
    public const string RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt";
    public const string DefaultContainerAnnotation = "kubectl.kubernetes.io/default-container";

    public static EnvironmentManifests Build(EnvironmentSpec spec, ManifestOptions options)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        var namespaceName = options.Namespace ?? KubeNames.Namespace(options.Owner, spec.Name);
        var common = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [KubeNames.ManagedByLabel] = KubeNames.ManagedByValue,
            [KubeNames.EnvironmentLabel] = spec.Name,
            [KubeNames.OwnerLabel] = KubeNames.Label(options.Owner),
        };

        var ns = new V1Namespace
        {
            ApiVersion = V1Namespace.KubeApiVersion,
            Kind = V1Namespace.KubeKind,
            Metadata = new V1ObjectMeta { Name = namespaceName, Labels = new Dictionary<string, string>(common, StringComparer.Ordinal) },
        };

        var services = new List<IKubernetesObject<V1ObjectMeta>>();
        var workloads = new Dictionary<string, IKubernetesObject<V1ObjectMeta>>(StringComparer.Ordinal);
        var infos = new List<ServiceManifest>();
        foreach (var declared in spec.Services)
        {
            var (service, debugProfile) = Debugged(declared, options);
            var (objects, workload, info) = BuildService(spec, service, options, namespaceName, common);
            services.AddRange(objects);
            workloads[service.Name] = workload;
            infos.Add(info with { DebugProfile = debugProfile });
        }

        List<IKubernetesObject<V1ObjectMeta>> ordered = [ns, .. services, .. DependencyOrder(spec).Select(name => workloads[name])];
        return new EnvironmentManifests(namespaceName, ns, ordered, infos);
    }

    /// <summary>The service as it runs: under its chosen debug profile, or as declared (also when the profile is gone from the spec).</summary>
    private static (ServiceSpec Service, string? Profile) Debugged(ServiceSpec service, ManifestOptions options) =>
        options.Debugging.TryGetValue(service.Name, out var choice) && service.Debug.FirstOrDefault(p => p.Name == choice.Profile) is { } profile
            ? (Debug.DebugLaunch.Apply(service, profile, choice.LocalPort), profile.Name)
            : (service, null);

    /// <summary>Service names with every dependency before its dependents, otherwise in spec order.</summary>
    public static IReadOnlyList<string> DependencyOrder(EnvironmentSpec spec)
    {
        var result = new List<string>();
        var visiting = new HashSet<string>(StringComparer.Ordinal);
        void Visit(ServiceSpec service)
        {
            if (result.Contains(service.Name) || !visiting.Add(service.Name))
            {
                return;
            }

            foreach (var dep in service.DependsOn)
            {
                if (spec[dep] is { } target)
                {
                    Visit(target);
                }
            }

            result.Add(service.Name);
        }

        foreach (var service in spec.Services)
        {
            Visit(service);
        }

        return result;
    }

    private static (List<IKubernetesObject<V1ObjectMeta>> Services, IKubernetesObject<V1ObjectMeta> Workload, ServiceManifest Info) BuildService(
        EnvironmentSpec spec, ServiceSpec service, ManifestOptions options, string namespaceName, Dictionary<string, string> common)
    {
        var selector = new Dictionary<string, string>(StringComparer.Ordinal) { [KubeNames.ServiceLabel] = service.Name };
        var labels = new Dictionary<string, string>(common, StringComparer.Ordinal)
        {
            [KubeNames.NameLabel] = service.Name,
            [KubeNames.PartOfLabel] = spec.Name,
            [KubeNames.ServiceLabel] = service.Name,
        };

        var placement = options.ServicePlacements.TryGetValue(service.Name, out var specific) ? specific : options.Placement;
        var template = new V1PodTemplateSpec
        {
            Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(labels, StringComparer.Ordinal) },
            Spec = PodTemplateBuilder.PodSpec(service, options, placement),
        };
        var claims = service.IsStateful ? service.Volumes.Select(v => Claim(v, options)).ToList() : null;

        // The claims as the JSON array a list serializes to (KubernetesJson's generated metadata has no list types).
        var hash = Hash(KubernetesJson.Serialize(template) + (claims is null ? string.Empty : $"[{string.Join(',', claims.Select(c => KubernetesJson.Serialize(c)))}]"));
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [DefaultContainerAnnotation] = service.Name,
            [SpecHashAnnotation] = hash,
        };
        if (options.RestartTokens.TryGetValue(service.Name, out var token))
        {
            annotations[RestartedAtAnnotation] = token;
        }

        template.Metadata.Annotations = annotations;
        var workloadMeta = Meta(service.Name, namespaceName, labels);
        if (service.DependsOn.Count > 0)
        {
            workloadMeta.Annotations = new Dictionary<string, string>(StringComparer.Ordinal) { [DependsOnAnnotation] = string.Join(',', service.DependsOn) };
        }

        var objects = new List<IKubernetesObject<V1ObjectMeta>>();
        string? kubeService = null;
        string? headless = null;
        if (service.Ports.Count > 0)
        {
            kubeService = service.Name;
            objects.Add(KubeService(service, kubeService, namespaceName, labels, selector, headless: false));
        }

        IKubernetesObject<V1ObjectMeta> workload;
        if (service.IsStateful)
        {
            headless = $"{service.Name}-headless";
            objects.Add(KubeService(service, headless, namespaceName, labels, selector, headless: true));
            workload = new V1StatefulSet
            {
                ApiVersion = V1StatefulSet.KubeGroup + "/" + V1StatefulSet.KubeApiVersion,
                Kind = V1StatefulSet.KubeKind,
                Metadata = workloadMeta,
                Spec = new V1StatefulSetSpec
                {
                    ServiceName = headless,
                    Replicas = service.Replicas,
                    Selector = new V1LabelSelector { MatchLabels = selector },
                    Template = template,
                    VolumeClaimTemplates = claims,
                    PodManagementPolicy = "Parallel",
                },
            };
        }
        else
        {
            workload = new V1Deployment
            {
                ApiVersion = V1Deployment.KubeGroup + "/" + V1Deployment.KubeApiVersion,
                Kind = V1Deployment.KubeKind,
                Metadata = workloadMeta,
                Spec = new V1DeploymentSpec
                {
                    Replicas = service.Replicas,
                    Selector = new V1LabelSelector { MatchLabels = selector },
                    Template = template,
                },
            };
        }

        var syncs = service.Syncs.Select((s, i) => new SyncTarget(
            s.LocalPath, s.ContainerPath, SyncSidecar.AgentRoot(i), s.Excludes, s.InitialSync, s.ReadOnly)).ToList();
        var ports = service.Ports.Select(p => new PortTarget(PodTemplateBuilder.PortName(p), p.ContainerPort, p.LocalPort, p.Protocol)).ToList();
        var info = new ServiceManifest(
            service.Name,
            service.IsStateful ? WorkloadKind.StatefulSet : WorkloadKind.Deployment,
            service.Name,
            selector,
            service.Name,
            service.Syncs.Count > 0 ? SyncSidecar.ContainerName : null,
            kubeService,
            headless,
            syncs,
            ports,
            service.WaitsForInitialSync ? SyncSidecar.ReadyMarker : null,
            service.DependsOn,
            hash);
        return (objects, workload, info);
    }

    private static V1Service KubeService(ServiceSpec service, string name, string namespaceName, Dictionary<string, string> labels, Dictionary<string, string> selector, bool headless) => new()
    {
        ApiVersion = V1Service.KubeApiVersion,
        Kind = V1Service.KubeKind,
        Metadata = Meta(name, namespaceName, labels),
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            ClusterIP = headless ? "None" : null,
            PublishNotReadyAddresses = headless ? true : null,
            Selector = new Dictionary<string, string>(selector, StringComparer.Ordinal),
            Ports = service.Ports.Count > 0
                ? [.. service.Ports.Select(p => new V1ServicePort
                {
                    Name = PodTemplateBuilder.PortName(p),
                    Port = p.ContainerPort,
                    TargetPort = PodTemplateBuilder.PortName(p),
                    Protocol = PodTemplateBuilder.Protocol(p.Protocol),
                })]
                : null,
        },
    };

    private static V1PersistentVolumeClaim Claim(VolumeSpec volume, ManifestOptions options) => new()
    {
        ApiVersion = V1PersistentVolumeClaim.KubeApiVersion,
        Kind = V1PersistentVolumeClaim.KubeKind,
        Metadata = new V1ObjectMeta { Name = volume.Name },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            StorageClassName = options.StorageClassName,
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(volume.Size) } },
        },
    };

    private static V1ObjectMeta Meta(string name, string namespaceName, Dictionary<string, string> labels) =>
        new() { Name = name, NamespaceProperty = namespaceName, Labels = new Dictionary<string, string>(labels, StringComparer.Ordinal) };

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
