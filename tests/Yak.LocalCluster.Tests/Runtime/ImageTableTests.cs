using Yak.LocalCluster.Runtime;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Runtime;

public sealed class ImageTableTests
{
    [Theory]
    [InlineData("docker.io/library/busybox:1.36", "busybox")]
    [InlineData("busybox", "busybox")]
    [InlineData("python:3.12-slim", "python")]
    [InlineData("alpine@sha256:0123abcd", "alpine")]
    [InlineData("registry.example/mirror/busybox:1.37.0", "busybox")]
    [InlineData("localhost:5000/debian:bookworm", "debian")]
    public void Resolve_RegistryAndTag_MatchesBuiltInEntry(string image, string expected)
    {
        using var state = new TempDirectory();
        var table = new ImageTable(new PodRuntimeOptions(state.Path));

        Assert.Equal(expected, table.Resolve(image)?.Name);
    }

    [Fact]
    public void Resolve_UnknownImage_ReturnsNull()
    {
        using var state = new TempDirectory();
        var table = new ImageTable(new PodRuntimeOptions(state.Path));

        Assert.Null(table.Resolve("registry.example/team/nothing-like-it:1"));
    }

    [Fact]
    public void Resolve_EntryInImagesYaml_UsesItsCommandPathAndEnv()
    {
        using var state = new TempDirectory();
        File.WriteAllText(state.Combine(ImageTable.FileName), """
            images:
              myapp:
                command: [python3, /srv/main.py]
                path: [/srv/bin]
                env: { APP_MODE: local }
            """);
        var table = new ImageTable(new PodRuntimeOptions(state.Path));

        var entry = table.Resolve("registry.example/team/myapp:1.2");

        Assert.NotNull(entry);
        Assert.Equal(["python3", "/srv/main.py"], entry.DefaultCommand);
        Assert.Equal(["/srv/bin"], entry.PathPrepend);
        Assert.Equal("local", entry.Env["APP_MODE"]);
        Assert.Null(table.LoadError);
    }

    [Theory]
    [InlineData("ghcr.io/yak-dev/yak-agent:0.1.0")]
    [InlineData("yak-agent")]
    public void Resolve_YakAgentImage_IsUnknown(string image)
    {
        // The local cluster knows no product: the sync sidecar runs from a base image like on any cluster.
        using var state = new TempDirectory();
        var table = new ImageTable(new PodRuntimeOptions(state.Path));

        Assert.Null(table.Resolve(image));
    }

    [Fact]
    public async Task RunPod_UnknownImage_ImagePullBackOffAndPending()
    {
        await using var node = new RuntimeHarness();
        var pod = TestPods.Pod("unknown", new k8s.Models.V1Container { Name = "app", Image = "registry.example/nothing:1" });

        await node.RunAsync(pod);
        var status = await node.WaitForAsync("unknown", s => s.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason == "ImagePullBackOff");

        Assert.Equal("Pending", status.Phase);
        Assert.False(status.ContainerStatuses![0].Ready);
    }
}
