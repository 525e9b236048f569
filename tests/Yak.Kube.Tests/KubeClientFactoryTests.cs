using Yak.Testing;

namespace Yak.Kube.Tests;

/// <summary>Kubernetes clients per kubeconfig and context, with errors that say what to fix.</summary>
public sealed class KubeClientFactoryTests
{
    [Fact]
    public void Create_UnknownContext_NamesItAndTheFile()
    {
        using var work = new TempDirectory("yak-kube-ctx-");
        var path = Path.Combine(work.Path, "kubeconfig");
        File.WriteAllText(path, """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]
            users: [{name: u, user: {}}]
            contexts: [{name: here, context: {cluster: c, user: u}}]
            current-context: here
            """);

        var error = Assert.Throws<KubeConnectionException>(() => KubeClientFactory.Create(new KubeTarget(path, "elsewhere")));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("elsewhere", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_MissingKubeconfig_SaysHowToGetOne()
    {
        var error = Assert.Throws<KubeConnectionException>(() => KubeClientFactory.Create(new KubeTarget("/nonexistent/kubeconfig", null)));

        Assert.Contains("yakctl cluster local start", error.Message, StringComparison.Ordinal);
    }
}
