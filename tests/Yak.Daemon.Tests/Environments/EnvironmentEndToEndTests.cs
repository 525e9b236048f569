using k8s;
using StreamJsonRpc;
using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Testing;

namespace Yak.Daemon.Tests.Environments;

/// <summary>Environments end to end: yakd (a real process) deploying examples/shop onto an in-process local cluster.</summary>
public sealed class EnvironmentEndToEndTests
{
    [Fact]
    public async Task Up_ShopExample_ReadySyncedEditableIdempotentAndRestoredAfterDown()
    {
        await using var env = await EnvironmentFixture.StartAsync("shop");
        var up = await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound);
        var info = up.Environment;
        Assert.Equal(EnvironmentState.Up, info.State);
        Assert.Equal("yak-tester-shop", info.Namespace);
        Assert.All(info.Services, s => Assert.Equal(ServiceState.Ready, s.State));
        var port = Assert.Single(Assert.Single(info.Services, s => s.Name == "web").Ports);
        Assert.Equal(env.WebPort, port.LocalPort);
        Assert.Equal($"http://localhost:{env.WebPort}", port.Url);
        using var http = new HttpClient();
        Assert.Contains("Welcome to the yak shop", await http.GetStringAsync(new Uri($"http://127.0.0.1:{env.WebPort}/")).DefaultTimeout(), StringComparison.Ordinal);

        // The first sync is in the pod's volume, and the app was released (it serves /healthz, so the pod is Ready).
        var web = await env.PodAsync(info.Namespace, "web");
        var volume = env.Cluster.VolumePath(web, "yak-sync-0");
        var source = Path.Combine(env.Folder, "web", "server.py");
        Assert.Equal(File.ReadAllText(source), File.ReadAllText(Path.Combine(volume, "server.py")));

        // Edit → flush → changed in the pod.
        File.WriteAllText(Path.Combine(env.Folder, "web", "index.html"), "<h1>edited</h1>");
        var session = Assert.Single(Assert.Single(info.Services, s => s.Name == "web").Syncs).Session;
        await env.Client.FlushSyncAsync(session, CancellationToken.None).DefaultTimeout();
        Assert.Equal("<h1>edited</h1>", File.ReadAllText(Path.Combine(volume, "index.html")));
        Assert.Equal("<h1>edited</h1>", await http.GetStringAsync(new Uri($"http://127.0.0.1:{env.WebPort}/")).DefaultTimeout());

        // A second up changes nothing in the cluster.
        var before = await ResourceVersionsAsync(env, info.Namespace);
        var again = await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound);
        Assert.Equal(EnvironmentState.Up, again.Environment.State);
        Assert.Equal(before, await ResourceVersionsAsync(env, info.Namespace));
        Assert.Equal(web.Metadata.Uid, (await env.PodAsync(info.Namespace, "web")).Metadata.Uid);

        // StatefulSet data survives the pod's deletion.
        await env.ExecAsync(info.Namespace, "store-0", "store", "sh", "-c", "echo 41 > /data/answer");
        var oldStore = await env.PodAsync(info.Namespace, "store");
        await env.Cluster.Client.CoreV1.DeleteNamespacedPodAsync("store-0", info.Namespace).DefaultTimeout();
        await env.WaitForReadyPodAsync(info.Namespace, "store", p => p.Metadata.Uid != oldStore.Metadata.Uid).DefaultTimeout();
        Assert.Equal("41", (await env.ExecAsync(info.Namespace, "store-0", "store", "cat", "/data/answer")).Trim());

        // Down scales to zero and keeps the volume; up brings everything back, code and data.
        var down = await env.Client.InvokeAsync<EnvDownResponse>(Methods.EnvDown, new EnvDownRequest { Name = "shop", SpecPath = string.Empty, Purge = false }, CancellationToken.None).DefaultTimeout();
        Assert.False(down.Purged);
        var status = Assert.Single((await env.Client.InvokeAsync<EnvStatusResponse>(Methods.EnvStatus, new EnvStatusRequest { Name = "shop", SpecPath = string.Empty }, CancellationToken.None).DefaultTimeout()).Environments);
        Assert.Equal(EnvironmentState.Down, status.State);
        Assert.All(status.Services, s => Assert.Equal(0, s.DesiredReplicas));

        var restored = await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound);
        Assert.Equal(EnvironmentState.Up, restored.Environment.State);
        Assert.All(restored.Environment.Services, s => Assert.Equal(ServiceState.Ready, s.State));
        Assert.Equal("41", (await env.ExecAsync(info.Namespace, "store-0", "store", "cat", "/data/answer")).Trim());
        var newWeb = await env.PodAsync(info.Namespace, "web");
        Assert.Equal("<h1>edited</h1>", File.ReadAllText(Path.Combine(env.Cluster.VolumePath(newWeb, "yak-sync-0"), "index.html")));
        Assert.Equal("<h1>edited</h1>", await http.GetStringAsync(new Uri($"http://127.0.0.1:{env.WebPort}/")).DefaultTimeout());

        // Purge deletes the namespace and forgets the environment.
        var purged = await env.Client.InvokeAsync<EnvDownResponse>(Methods.EnvDown, new EnvDownRequest { Name = "shop", SpecPath = string.Empty, Purge = true }, CancellationToken.None).DefaultTimeout();
        Assert.True(purged.Purged);
        Assert.Empty((await env.Client.InvokeAsync<EnvListResponse>(Methods.EnvList, new EnvListRequest(), CancellationToken.None).DefaultTimeout()).Environments);
    }

    [Fact]
    public async Task Up_ComposeFile_DeploysAndSyncsLikeYakYaml()
    {
        await using var env = await EnvironmentFixture.StartAsync("shop");
        var up = await env.UpAsync(Path.Combine(env.Folder, "docker-compose.yml")).WaitAsync(EnvironmentFixture.UpBound);
        Assert.Equal(EnvironmentState.Up, up.Environment.State);
        Assert.Equal([ServiceState.Ready, ServiceState.Ready], up.Environment.Services.Select(s => s.State).ToArray());
        var web = await env.PodAsync(up.Environment.Namespace, "web");
        Assert.Equal(
            File.ReadAllText(Path.Combine(env.Folder, "web", "server.py")),
            File.ReadAllText(Path.Combine(env.Cluster.VolumePath(web, "yak-sync-0"), "server.py")));
    }

    [Fact]
    public async Task Up_InvalidSpec_FailsWithLocatedMessage()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        File.WriteAllText(Path.Combine(env.Folder, "yak.yaml"), "name: broken\nservices:\n  web:\n    imag: busybox\n");
        var error = await Assert.ThrowsAsync<RemoteInvocationException>(() => env.UpAsync()).DefaultTimeout();
        Assert.Contains("yak.yaml:4:5", error.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorCodes.InvalidArgument, error.ErrorCode);
    }

    [Fact]
    public async Task Up_AppCrashLooping_ExplainsAndKeepsSyncing()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        Directory.CreateDirectory(Path.Combine(env.Folder, "code"));
        File.WriteAllText(Path.Combine(env.Folder, "code", "a.txt"), "one");
        File.WriteAllText(
            Path.Combine(env.Folder, "yak.yaml"),
            "name: crashy\nservices:\n  app:\n    image: busybox\n    command: [sh, -c, \"echo failing on purpose; exit 3\"]\n    sync:\n      - from: ./code\n        to: /code\n");

        await using var events = await EnvironmentEvents.SubscribeAsync(env.Client);

        // Up keeps watching a crash loop (it may still recover) until its timeout, then says why it is not up.
        var up = await env.UpAsync(timeoutSeconds: 20).WaitAsync(TimeSpan.FromSeconds(60));
        var environment = up.Environment;
        if (environment.State == EnvironmentState.Up)
        {
            // Without a readiness probe a running container is ready (as a kubelet says), so up can catch the
            // moment between start and exit; the supervisor must then notice the crash loop by itself.
            await events.WaitForStateAsync(env.Client, "crashy", EnvironmentState.Degraded).WaitAsync(TimeSpan.FromSeconds(120));
            environment = await EnvironmentEvents.StatusAsync(env.Client, "crashy");
        }

        Assert.Equal(EnvironmentState.Degraded, environment.State);
        var app = Assert.Single(environment.Services);
        Assert.Equal(ServiceState.Stuck, app.State);
        Assert.Contains("keeps crashing (exit code 3)", app.Message, StringComparison.Ordinal);
        Assert.Contains("failing on purpose", app.Message, StringComparison.Ordinal);

        var session = Assert.Single(app.Syncs).Session;
        File.WriteAllText(Path.Combine(env.Folder, "code", "a.txt"), "two");
        var flushed = Assert.Single(await env.Client.FlushSyncAsync(session, CancellationToken.None).DefaultTimeout());
        Assert.Null(flushed.LastError);
        var pod = await env.PodAsync(up.Environment.Namespace, "app");
        Assert.Equal("two", File.ReadAllText(Path.Combine(env.Cluster.VolumePath(pod, "yak-sync-0"), "a.txt")));
    }

    private static async Task<Dictionary<string, string>> ResourceVersionsAsync(EnvironmentFixture env, string ns)
    {
        var client = env.Cluster.Client;
        var versions = new Dictionary<string, string>
        {
            ["namespace"] = (await client.CoreV1.ReadNamespaceAsync(ns).DefaultTimeout()).Metadata.ResourceVersion,
        };
        foreach (var d in (await client.AppsV1.ListNamespacedDeploymentAsync(ns).DefaultTimeout()).Items)
        {
            versions["deployment/" + d.Metadata.Name] = d.Metadata.ResourceVersion;
        }

        foreach (var s in (await client.AppsV1.ListNamespacedStatefulSetAsync(ns).DefaultTimeout()).Items)
        {
            versions["statefulset/" + s.Metadata.Name] = s.Metadata.ResourceVersion;
        }

        foreach (var s in (await client.CoreV1.ListNamespacedServiceAsync(ns).DefaultTimeout()).Items)
        {
            versions["service/" + s.Metadata.Name] = s.Metadata.ResourceVersion;
        }

        return versions;
    }
}
