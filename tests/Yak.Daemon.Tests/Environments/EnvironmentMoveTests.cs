using System.Text.Json;
using k8s;
using StreamJsonRpc;
using Yak.Client;
using Yak.LocalCluster.Scheduling;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Daemon.Tests.Environments;

/// <summary>
/// <c>env/move</c> between two local clusters: refused while a StatefulSet volume would be lost (naming it and its disk's
/// zone, nothing changed), then with <c>--discard-volumes</c> down on one and up on the other, where sync and the
/// forward work again.
/// </summary>
public sealed class EnvironmentMoveTests
{
    private static readonly NodeOptions[] Zoned = [new("node-a") { Zone = "zone-a" }];

    [Fact]
    public async Task Move_EnvironmentWithVolume_RefusedNamingItsZoneThenMovedWithSyncAndForwardOnTheOtherCluster()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null, nodes: Zoned);
        await using var other = await LocalClusterFixture.StartAsync();
        env.WriteConfig(
            $"owner: tester\nclusters:\n" +
            $"  - name: here\n    kubeconfig: {env.Cluster.Host.KubeconfigPath}\n    context: yak-local\n" +
            $"  - name: there\n    kubeconfig: {other.Host.KubeconfigPath}\n    context: yak-local\n");
        Directory.CreateDirectory(Path.Combine(env.Folder, "web"));
        File.WriteAllText(Path.Combine(env.Folder, "web", "index.html"), "<h1>before</h1>");
        File.WriteAllText(
            Path.Combine(env.Folder, "yak.yaml"),
            "name: moving\nservices:\n" +
            "  web:\n    image: python:3.12-slim\n    command: [python3, -m, http.server, \"8080\", --directory, /app]\n" +
            $"    ports: [\"{env.WebPort}:8080\"]\n    sync: [{{ from: ./web, to: /app, initialSync: true }}]\n    readiness: {{ httpGet: {{ path: /, port: 8080 }}, periodSeconds: 1 }}\n" +
            "  store:\n    image: busybox\n    command: [sh, -c, \"exec sleep 100000\"]\n    volumes: [{ name: data, size: 1Gi, mountPath: /data }]\n");
        var up = await env.Client.InvokeAsync<EnvUpResponse>(
            Methods.EnvUp,
            new EnvUpRequest { SpecPath = env.Folder, Cluster = "here", Kubeconfig = string.Empty, Context = string.Empty, TimeoutSeconds = 120, Profiles = [] },
            CancellationToken.None).WaitAsync(EnvironmentFixture.UpBound);
        Assert.Equal(("here", EnvironmentState.Up), (up.Environment.Cluster, up.Environment.State));
        var ns = up.Environment.Namespace;
        using var http = new HttpClient();
        var url = new Uri($"http://127.0.0.1:{env.WebPort}/index.html");
        Assert.Equal("<h1>before</h1>", await http.GetStringAsync(url).DefaultTimeout());

        // The claim's data cannot follow: refused with its zone, and nothing changed.
        var refused = await Assert.ThrowsAsync<RemoteInvocationException>(() => MoveAsync(env, "there", discardVolumes: false));
        Assert.Equal("YAK1211", Assert.IsType<JsonElement>(refused.ErrorData).GetProperty("code").GetString());
        Assert.Contains("The volumes of 'moving' cannot follow it to there: data-store-0 of store (1Gi, zone zone-a). Their data stays on here", refused.Message, StringComparison.Ordinal);
        Assert.Equal("here", (await EnvironmentEvents.StatusAsync(env.Client, "moving")).Cluster);
        Assert.Equal(2, (await env.Cluster.Client.CoreV1.ListNamespacedPodAsync(ns).DefaultTimeout()).Items.Count(p => p.Metadata.DeletionTimestamp is null));
        Assert.Empty((await other.Client.CoreV1.ListNamespaceAsync(fieldSelector: $"metadata.name={ns}").DefaultTimeout()).Items);

        var cli = await ProcessRunner.RunAsync(ProcessRunner.StartInfo(
            ProcessRunner.DotnetHost,
            [ProcessRunner.BesideTests("yakctl.dll"), "move", "moving", "--to", "there", "--discard-volumes", "--output", "json"],
            env.Sandbox.Environment(autostart: false))).WaitAsync(EnvironmentFixture.UpBound);
        Assert.True(cli.ExitCode == 0, cli.ToString());
        var moved = JsonSerializer.Deserialize<EnvMoveResponse>(cli.StandardOutput, Yak.Protocol.Transport.YakJson.Options)!;

        Assert.Equal(("here", "there", EnvironmentState.Up), (moved.From, moved.Environment.Cluster, moved.Environment.State));
        var discarded = Assert.Single(moved.DiscardedVolumes);
        Assert.Equal(("data-store-0", "store", "1Gi", "zone-a"), (discarded.Claim, discarded.Service, discarded.Size, discarded.Zone));
        Assert.All(moved.Environment.Services, s => Assert.Equal(ServiceState.Ready, s.State));
        Assert.Equal(2, (await other.Client.CoreV1.ListNamespacedPodAsync(ns).DefaultTimeout()).Items.Count(p => p.Metadata.DeletionTimestamp is null));
        var old = await env.Cluster.Client.CoreV1.ListNamespaceAsync(fieldSelector: $"metadata.name={ns}").DefaultTimeout();
        Assert.True(old.Items.Count == 0 || old.Items[0].Metadata.DeletionTimestamp is not null, "the old namespace is deleted");
        Assert.Equal("there", (await EnvironmentEvents.StatusAsync(env.Client, "moving")).Cluster);

        // Sync follows: an edit reaches the pod on the new cluster, and the same local port serves it from there.
        File.WriteAllText(Path.Combine(env.Folder, "web", "index.html"), "<h1>after</h1>");
        var session = Assert.Single(Assert.Single(moved.Environment.Services, s => s.Name == "web").Syncs).Session;
        await env.Client.FlushSyncAsync(session, CancellationToken.None).DefaultTimeout();
        var web = Assert.Single((await other.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "yak.dev/service=web").DefaultTimeout()).Items, p => p.Metadata.DeletionTimestamp is null);
        Assert.Equal("<h1>after</h1>", File.ReadAllText(Path.Combine(other.VolumePath(web, "yak-sync-0"), "index.html")));
        Assert.Equal("<h1>after</h1>", await http.GetStringAsync(url).DefaultTimeout());
    }

    private static Task<EnvMoveResponse> MoveAsync(EnvironmentFixture env, string cluster, bool discardVolumes) =>
        env.Client.InvokeAsync<EnvMoveResponse>(
            Methods.EnvMove,
            new EnvMoveRequest { Name = "moving", SpecPath = string.Empty, Cluster = cluster, DiscardVolumes = discardVolumes, TimeoutSeconds = 120 },
            CancellationToken.None).WaitAsync(EnvironmentFixture.UpBound);
}
