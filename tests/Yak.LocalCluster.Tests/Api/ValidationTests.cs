using System.Text.Json.Nodes;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Api;

/// <summary>Invalid objects refused as the API server refuses them: 422 Invalid with every reason in details.causes.</summary>
public sealed class ValidationTests
{
    [Fact]
    public async Task Create_NegativeReplicasAndContainerWithoutImage_422WithACausePerField()
    {
        await using var cluster = await TestCluster.StartAsync();
        var deployment = JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
             "spec":{"replicas":-1,"selector":{"matchLabels":{"app":"web"}},
                     "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"main"}]}}}}
            """);

        var (status, body) = await cluster.SendAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/default/deployments", deployment);

        Assert.Equal(422, status);
        Assert.Equal("Invalid", body!["reason"]!.GetValue<string>());
        Assert.Equal(
            "Deployment.apps \"web\" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.template.spec.containers[0].image: Required value]",
            body["message"]!.GetValue<string>());
        var causes = body["details"]!["causes"]!.AsArray().Select(c => (c!["reason"]!.GetValue<string>(), c["field"]!.GetValue<string>())).ToList();
        Assert.Equal([("FieldValueInvalid", "spec.replicas"), ("FieldValueRequired", "spec.template.spec.containers[0].image")], causes);
        Assert.Equal("Deployment", body["details"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Apply_InvalidPodWithKubectl_ErrorNamesTheFields()
    {
        await using var cluster = await TestCluster.StartAsync();
        var kubectl = Support.Kubectl.For(cluster.Host.KubeconfigPath);
        const string pod = """
            apiVersion: v1
            kind: Pod
            metadata: { name: bad }
            spec:
              restartPolicy: Sometimes
              containers:
              - { name: main, image: busybox, ports: [{ containerPort: 70000 }] }
              - { name: main, image: busybox }
            """;

        var result = await kubectl.RunWithStdinAsync(pod, "apply", "-f", "-");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("The Pod \"bad\" is invalid", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("spec.containers[1].name: Duplicate value: \"main\"", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("spec.restartPolicy: Unsupported value: \"Sometimes\"", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Debug_EphemeralContainersNotServed_KubectlReportsInsteadOfPanicking()
    {
        await using var cluster = await TestCluster.StartAsync();
        var kubectl = Support.Kubectl.For(cluster.Host.KubeconfigPath);
        await kubectl.OkAsync("run", "web", "--image=busybox", "--", "sleep", "3600");

        var result = await kubectl.RunAsync("debug", "web", "--image=busybox", "--", "true");

        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("panic", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("ephemeral containers are disabled for this cluster", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetSortBy_FieldOutsideMetadata_RowsInThatOrder()
    {
        await using var cluster = await TestCluster.StartAsync();
        var kubectl = Support.Kubectl.For(cluster.Host.KubeconfigPath);
        await kubectl.OkAsync("create", "service", "clusterip", "b-svc", "--tcp=9000:9000");
        await kubectl.OkAsync("create", "service", "clusterip", "a-svc", "--tcp=7000:7000");
        await kubectl.OkAsync("create", "service", "clusterip", "c-svc", "--tcp=8000:8000");

        var output = await kubectl.OkAsync("get", "services", "--sort-by=.spec.ports[0].port", "-o", "custom-columns=NAME:.metadata.name", "--no-headers");
        var table = await kubectl.OkAsync("get", "services", "--sort-by=.spec.ports[0].port", "--no-headers");

        Assert.Equal("a-svc\nc-svc\nb-svc\n", output);
        Assert.Equal(["a-svc", "c-svc", "b-svc"], table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToArray());
    }
}
