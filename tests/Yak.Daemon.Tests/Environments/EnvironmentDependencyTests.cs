using System.Net;
using k8s;
using k8s.Autorest;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Testing;

namespace Yak.Daemon.Tests.Environments;

/// <summary>dependsOn and compose depends_on conditions wait: a dependent is applied only once its dependency reached its condition.</summary>
public sealed class EnvironmentDependencyTests
{
    [Fact]
    public async Task Up_DependsOnNotReady_DependentHeldBackUntilTheDependencyIsReady()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);

        // db's readiness is a file the test creates (the pods of host-tool images see the host's files).
        var go = Path.Combine(env.Folder, "db-may-be-ready");
        File.WriteAllText(
            Path.Combine(env.Folder, "yak.yaml"),
            $"name: deps\nservices:\n  db:\n    image: busybox\n    command: [sh, -c, \"exec sleep 3600\"]\n    readiness: {{ exec: [test, -f, \"{go}\"], periodSeconds: 1 }}\n" +
            "  web:\n    image: busybox\n    command: [sh, -c, \"exec sleep 3600\"]\n    dependsOn: [db]\n");
        await using var events = await EnvironmentEvents.SubscribeAsync(env.Client);
        var up = env.UpAsync();

        var held = await events.WaitForAsync(EventKinds.EnvProgress, p => p.Service == "web").DefaultTimeout();
        Assert.Equal("held back until db is ready", held.Message);
        Assert.Equal(ServiceState.Pending, held.State);
        var ns = (await EnvironmentEvents.StatusAsync(env.Client, "deps")).Namespace;

        // While db cannot be ready, web is not applied at all, and up keeps waiting.
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => env.Cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns).DefaultTimeout());
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.False(up.IsCompleted);
        var waiting = await EnvironmentEvents.StatusAsync(env.Client, "deps");
        Assert.Equal(EnvironmentState.Deploying, waiting.State);
        Assert.Equal("held back until db is ready", waiting.Services.Single(s => s.Name == "web").Message);

        File.WriteAllText(go, "now");
        var response = await up.WaitAsync(EnvironmentFixture.UpBound);
        Assert.Equal(EnvironmentState.Up, response.Environment.State);
        var dbPod = await env.PodAsync(ns, "db");
        var readySince = dbPod.Status.Conditions.Single(c => c.Type == "Ready").LastTransitionTime!.Value;
        var web = await env.Cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns).DefaultTimeout();
        Assert.True(web.Metadata.CreationTimestamp >= readySince.AddSeconds(-1), $"web created {web.Metadata.CreationTimestamp:O}, db ready {readySince:O}");
    }

    [Fact]
    public async Task Up_ComposeCompletedConditionAndProfiles_WaitsForExitZeroAndRunsOnlyActiveProfiles()
    {
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        File.WriteAllText(
            Path.Combine(env.Folder, "compose.yaml"),
            """
            name: migrating
            services:
              migrate:
                image: busybox
                command: ["sh", "-c", "echo migrated"]
              web:
                image: busybox
                command: ["sh", "-c", "exec sleep 3600"]
                deploy: { replicas: 2 }
                depends_on:
                  migrate: { condition: service_completed_successfully }
              admin:
                image: busybox
                command: ["sh", "-c", "exec sleep 3600"]
                profiles: [tools]
            """);

        var up = await env.UpAsync(Path.Combine(env.Folder, "compose.yaml")).WaitAsync(EnvironmentFixture.UpBound);

        Assert.Equal(EnvironmentState.Up, up.Environment.State);
        Assert.Equal(["migrate", "web"], up.Environment.Services.Select(s => s.Name));
        Assert.Equal("completed (exit 0)", up.Environment.Services[0].Message);
        Assert.Equal((2, 2), (up.Environment.Services[1].ReadyReplicas, up.Environment.Services[1].DesiredReplicas));
        var ns = up.Environment.Namespace;
        var migrate = await env.PodAsync(ns, "migrate");
        var web = await env.Cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns).DefaultTimeout();
        var exited = migrate.Status.ContainerStatuses.Single(c => c.Name == "migrate");
        var finished = (exited.State.Terminated ?? exited.LastState.Terminated)!.FinishedAt!.Value;
        Assert.True(web.Metadata.CreationTimestamp >= finished.AddSeconds(-1), $"web created {web.Metadata.CreationTimestamp:O}, migrate finished {finished:O}");

        // --profile tools adds admin; a profile no service has is refused with the ones there are.
        var tools = await env.UpAsync(Path.Combine(env.Folder, "compose.yaml"), profiles: ["tools"]).WaitAsync(EnvironmentFixture.UpBound);
        Assert.Equal(["migrate", "web", "admin"], tools.Environment.Services.Select(s => s.Name));
        var error = await Assert.ThrowsAsync<StreamJsonRpc.RemoteInvocationException>(() => env.UpAsync(Path.Combine(env.Folder, "compose.yaml"), profiles: ["tols"]).WaitAsync(EnvironmentFixture.UpBound));
        Assert.Contains("has the profile \"tols\" (did you mean \"tools\"?) (profiles: tools).", error.Message, StringComparison.Ordinal);
    }
}
