using k8s;
using k8s.Models;
using Yak.Environments.Manifests;
using Yak.Environments.Spec;

namespace Yak.Environments.Tests;

public sealed class ManifestBuilderTests : IDisposable
{
    private const string Shop = """
        name: shop
        services:
          web:
            image: python:3.12
            command: [python3, /app/server.py]
            env: { STORE: http://store:7070 }
            ports: ["8080:8080"]
            sync:
              - { from: web, to: /app, initialSync: true }
              - { from: api, to: /srv/api, readOnly: true }
            readiness: { httpGet: { path: /healthz, port: 8080 }, periodSeconds: 2 }
            dependsOn: [store]
            resources: { requests: { cpu: 100m, memory: 64Mi }, limits: { memory: 256Mi } }
          store:
            image: busybox
            command: [sh, -c, "while true; do date >> /data/log; sleep 5; done"]
            ports: [7070]
            volumes: [{ name: data, size: 2Gi, mountPath: /data }]
            readiness: { tcp: 7070 }
          worker:
            image: busybox
            args: [sleep, "3600"]
        """;

    private static readonly ManifestOptions Options = new() { Owner = "Alice", SidecarImage = "busybox:test" };

    private readonly SpecFixture fx = new();

    public void Dispose() => fx.Dispose();

    private EnvironmentManifests Build(string text = Shop, ManifestOptions? options = null) =>
        ManifestBuilder.Build(fx.LoadOk(text), options ?? Options);

    [Fact]
    public void Build_Namespace_IsLabelledWithOwnerAndEnvironment()
    {
        var manifests = Build();
        Assert.Equal("yak-alice-shop", manifests.NamespaceName);
        Assert.Same(manifests.Namespace, manifests.Objects[0]);
        Assert.Equal("v1", manifests.Namespace.ApiVersion);
        Assert.Equal("Namespace", manifests.Namespace.Kind);
        var labels = manifests.Namespace.Metadata.Labels;
        Assert.Equal("alice", labels["yak.dev/owner"]);
        Assert.Equal("shop", labels["yak.dev/environment"]);
        Assert.Equal("yak", labels["app.kubernetes.io/managed-by"]);
        Assert.All(manifests.Objects.Skip(1), o => Assert.Equal("yak-alice-shop", o.Metadata.NamespaceProperty));
    }

    [Fact]
    public void Build_SyncedService_GetsASidecarSharingEachMappingsVolume()
    {
        var manifests = Build();
        var web = Assert.IsType<V1Deployment>(manifests.Objects.Single(o => o is V1Deployment { Metadata.Name: "web" }));
        var pod = web.Spec.Template.Spec;
        Assert.Equal(["web", "yak-sync"], pod.Containers.Select(c => c.Name));
        var app = pod.Containers[0];
        var sidecar = pod.Containers[1];
        Assert.Equal("busybox:test", sidecar.Image);
        Assert.Equal(SyncSidecar.Command, sidecar.Command);
        Assert.Equal(
            [("yak-sync-0", "/yak-sync/0"), ("yak-sync-1", "/yak-sync/1"), ("yak-agent", "/.yak-agent")],
            sidecar.VolumeMounts.Select(m => (m.Name, m.MountPath)));
        Assert.Equal(
            [("yak-sync-0", "/app", (bool?)null), ("yak-sync-1", "/srv/api", true), ("yak-gate", "/.yak", null)],
            app.VolumeMounts.Select(m => (m.Name, m.MountPath, m.ReadOnlyProperty)));
        Assert.All(pod.Volumes, v => Assert.NotNull(v.EmptyDir));
        Assert.Equal(["yak-sync-0", "yak-sync-1", "yak-gate", "yak-agent"], pod.Volumes.Select(v => v.Name));

        var info = manifests["web"]!;
        Assert.Equal("yak-sync", info.SyncContainer);
        Assert.Equal("/.yak/ready", info.ReadyMarker);
        Assert.Equal("/yak-sync/0", info.Syncs[0].AgentRoot);
        Assert.Equal(Path.Combine(fx.Dir, "web"), info.Syncs[0].LocalPath);
        Assert.True(info.Syncs[0].InitialSync);
        Assert.Equal([new PortTarget("tcp-8080", 8080, 8080, PortProtocol.Tcp)], info.Ports);
        Assert.Equal(WorkloadKind.Deployment, info.Kind);
        Assert.Equal(new Dictionary<string, string> { ["yak.dev/service"] = "web" }, info.Selector);
    }

    [Fact]
    public void Build_InitialSync_WrapsTheCommandToWaitForTheMarker()
    {
        var app = Build().Objects.OfType<V1Deployment>().Single(d => d.Metadata.Name == "web").Spec.Template.Spec.Containers[0];
        Assert.Equal(["sh", "-c", SyncSidecar.WaitScript, "yak-wait-for-sync", "python3", "/app/server.py"], app.Command);
        Assert.Null(app.Args);
        Assert.Contains("/.yak/ready", SyncSidecar.WaitScript, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ServiceWithVolumes_IsAStatefulSetWithClaimTemplatesAndHeadlessService()
    {
        var manifests = Build();
        var store = manifests.Objects.OfType<V1StatefulSet>().Single();
        Assert.Equal("apps/v1", store.ApiVersion);
        Assert.Equal("store", store.Metadata.Name);
        Assert.Equal("store-headless", store.Spec.ServiceName);
        var claim = Assert.Single(store.Spec.VolumeClaimTemplates);
        Assert.Equal("data", claim.Metadata.Name);
        Assert.Equal("2Gi", claim.Spec.Resources.Requests["storage"].ToString());
        Assert.Equal(["ReadWriteOnce"], claim.Spec.AccessModes);
        var app = Assert.Single(store.Spec.Template.Spec.Containers);
        Assert.Contains(app.VolumeMounts, m => m.Name == "data" && m.MountPath == "/data");
        Assert.Equal("7070", app.ReadinessProbe.TcpSocket.Port.Value);

        var headless = manifests.Objects.OfType<V1Service>().Single(s => s.Metadata.Name == "store-headless");
        Assert.Equal("None", headless.Spec.ClusterIP);
        Assert.Equal("store", store.Spec.Selector.MatchLabels["yak.dev/service"]);
        Assert.Equal(WorkloadKind.StatefulSet, manifests["store"]!.Kind);
        Assert.Null(manifests["store"]!.SyncContainer);
    }

    [Fact]
    public void Build_Services_ExposeEveryPortAndOnlyForServicesWithPorts()
    {
        var manifests = Build();
        var services = manifests.Objects.OfType<V1Service>().Select(s => s.Metadata.Name).ToList();
        Assert.Equal(["web", "store", "store-headless"], services);
        var web = manifests.Objects.OfType<V1Service>().Single(s => s.Metadata.Name == "web");
        var port = Assert.Single(web.Spec.Ports);
        Assert.Equal(("tcp-8080", 8080, "tcp-8080", "TCP"), (port.Name, port.Port, port.TargetPort.Value, port.Protocol));
        Assert.Null(manifests["worker"]!.KubeServiceName);
    }

    [Fact]
    public void Build_ApplyOrder_PutsDependenciesFirst()
    {
        var kinds = Build().Objects.Select(o => $"{o.Kind}/{o.Metadata.Name}").ToList();
        Assert.Equal(["Namespace/yak-alice-shop", "Service/web", "Service/store", "Service/store-headless", "StatefulSet/store", "Deployment/web", "Deployment/worker"], kinds);
    }

    [Fact]
    public void Build_ProbeResourcesAndEnv_AreCarriedOver()
    {
        var app = Build().Objects.OfType<V1Deployment>().Single(d => d.Metadata.Name == "web").Spec.Template.Spec.Containers[0];
        Assert.Equal("/healthz", app.ReadinessProbe.HttpGet.Path);
        Assert.Equal("8080", app.ReadinessProbe.HttpGet.Port.Value);
        Assert.Equal(2, app.ReadinessProbe.PeriodSeconds);
        Assert.Equal("100m", app.Resources.Requests["cpu"].ToString());
        Assert.Equal("256Mi", app.Resources.Limits["memory"].ToString());
        Assert.Equal([("STORE", "http://store:7070")], app.Env.Select(e => (e.Name, e.Value)));
    }

    [Fact]
    public void Build_Placement_AddsZoneAffinityAndTolerations()
    {
        var options = Options with
        {
            Placement = new Placement(null, [new PlacementTaint("yak.dev/zone", "eu-1a", "NoSchedule")]),
            ServicePlacements = new Dictionary<string, Placement> { ["store"] = new("eu-1b", [new PlacementTaint("dedicated", null, null)]) },
        };
        var manifests = Build(options: options);
        var store = manifests.Objects.OfType<V1StatefulSet>().Single().Spec.Template.Spec;
        var term = Assert.Single(store.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms);
        var requirement = Assert.Single(term.MatchExpressions);
        Assert.Equal(("topology.kubernetes.io/zone", "In", "eu-1b"), (requirement.Key, requirement.OperatorProperty, Assert.Single(requirement.Values)));
        var toleration = Assert.Single(store.Tolerations);
        Assert.Equal(("dedicated", "Exists", null, null), (toleration.Key, toleration.OperatorProperty, toleration.Value, toleration.Effect));

        var web = manifests.Objects.OfType<V1Deployment>().Single(d => d.Metadata.Name == "web").Spec.Template.Spec;
        Assert.Null(web.Affinity);
        var webToleration = Assert.Single(web.Tolerations);
        Assert.Equal(("yak.dev/zone", "Equal", "eu-1a", "NoSchedule"), (webToleration.Key, webToleration.OperatorProperty, webToleration.Value, webToleration.Effect));
    }

    [Fact]
    public void Build_FetchedImages_PinnedDigestAndAlwaysPullOnTheAppContainerOnly()
    {
        const string pinned = "python:3.12@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        var options = Options with
        {
            Images = new Dictionary<string, ServiceImage> { ["web"] = new(pinned, AlwaysPull: false), ["worker"] = new("busybox", AlwaysPull: true) },
        };
        var manifests = Build(options: options);
        var web = manifests.Objects.OfType<V1Deployment>().Single(d => d.Metadata.Name == "web").Spec.Template.Spec;
        var worker = manifests.Objects.OfType<V1Deployment>().Single(d => d.Metadata.Name == "worker").Spec.Template.Spec;
        var store = manifests.Objects.OfType<V1StatefulSet>().Single().Spec.Template.Spec;

        Assert.Equal((pinned, (string?)null), (web.Containers[0].Image, web.Containers[0].ImagePullPolicy));
        Assert.Equal(("busybox:test", (string?)null), (web.Containers.Single(c => c.Name == "yak-sync").Image, web.Containers.Single(c => c.Name == "yak-sync").ImagePullPolicy));
        Assert.Equal(("busybox", "Always"), (worker.Containers[0].Image, worker.Containers[0].ImagePullPolicy));
        Assert.Equal(("busybox", (string?)null), (store.Containers[0].Image, store.Containers[0].ImagePullPolicy));
        Assert.NotEqual(Build()["web"]!.SpecHash, manifests["web"]!.SpecHash);
        Assert.Equal(Build()["store"]!.SpecHash, manifests["store"]!.SpecHash);
    }

    [Fact]
    public void Build_SameSpecTwice_GivesIdenticalJson()
    {
        var first = Build().ToJson();
        var second = Build().ToJson();
        Assert.Equal(first, second);
        Assert.Contains("\"yak.dev/spec-hash\"", first[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ChangedImage_ChangesOnlyThatWorkloadAndItsHash()
    {
        var before = Build();
        var after = Build(Shop.Replace("image: python:3.12", "image: python:3.13", StringComparison.Ordinal));
        var changed = before.ToJson().Zip(after.ToJson()).Select((pair, i) => (i, pair.First == pair.Second)).Where(p => !p.Item2).Select(p => before.Objects[p.i].Metadata.Name);
        Assert.Equal(["web"], changed);
        Assert.NotEqual(before["web"]!.SpecHash, after["web"]!.SpecHash);
        Assert.Equal(before["store"]!.SpecHash, after["store"]!.SpecHash);
    }

    [Fact]
    public void Build_RestartToken_ChangesTheTemplateAnnotation()
    {
        var options = Options with { RestartTokens = new Dictionary<string, string> { ["web"] = "2026-11-26T07:00:00Z" } };
        var web = Build(options: options).Objects.OfType<V1Deployment>().Single(d => d.Metadata.Name == "web");
        Assert.Equal("2026-11-26T07:00:00Z", web.Spec.Template.Metadata.Annotations["kubectl.kubernetes.io/restartedAt"]);
        var plain = Build().Objects.OfType<V1Deployment>().Single(d => d.Metadata.Name == "web");
        Assert.False(plain.Spec.Template.Metadata.Annotations.ContainsKey("kubectl.kubernetes.io/restartedAt"));
    }

    [Fact]
    public void Build_Json_RoundTripsThroughKubernetesJson()
    {
        foreach (var (obj, json) in Build().Objects.Zip(Build().ToJson()))
        {
            var back = obj switch
            {
                V1Deployment => (object)KubernetesJson.Deserialize<V1Deployment>(json),
                V1StatefulSet => KubernetesJson.Deserialize<V1StatefulSet>(json),
                V1Service => KubernetesJson.Deserialize<V1Service>(json),
                _ => KubernetesJson.Deserialize<V1Namespace>(json),
            };
            Assert.Equal(json, KubernetesJson.Serialize(back));
        }
    }

    [Fact]
    public void Build_ServiceWithoutSync_HasNoSidecar()
    {
        var worker = Build().Objects.OfType<V1Deployment>().Single(d => d.Metadata.Name == "worker").Spec.Template.Spec;
        Assert.Equal(["worker"], worker.Containers.Select(c => c.Name));
        Assert.Null(worker.Volumes);
        Assert.Null(worker.Containers[0].Command);
        Assert.Equal(["sleep", "3600"], worker.Containers[0].Args);
    }
}
