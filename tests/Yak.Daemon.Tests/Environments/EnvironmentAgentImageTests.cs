using Yak.Client;
using Yak.Protocol.Messages;
using Yak.Testing;
using Yak.Testing.Images;

namespace Yak.Daemon.Tests.Environments;

/// <summary>
/// The sync sidecar's images and a registry on 127.0.0.1: a base image built like the default (Debian's static
/// busybox and nothing else), where the agent yakd delivers runs with none of the host's libraries; and the prebuilt
/// agent image packaging/ builds (config.yaml agent.image), inspected and pushed with skopeo.
/// </summary>
public sealed class EnvironmentAgentImageTests
{
    [Fact]
    public async Task Up_SidecarFromARegistryBusyboxImage_DeliveredAgentRunsAndSyncs()
    {
        await using var registry = await RegistryFixture.StartAsync();
        var digest = await registry.PushAsync(new OciImageBuilder().AddBusybox().Cmd("sh"), "mirror/busybox:1.37.0");
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        Directory.CreateDirectory(Path.Combine(env.Folder, "code"));
        File.WriteAllText(Path.Combine(env.Folder, "code", "main.py"), "print('hello')\n");
        File.WriteAllText(
            Path.Combine(env.Folder, "yak.yaml"),
            $"name: pulled\nagent:\n  baseImage: {registry.Reference("mirror/busybox:1.37.0")}\nservices:\n  app:\n    image: busybox\n    command: [sh, -c, \"exec sleep 100000\"]\n    sync:\n      - {{ from: ./code, to: /code, initialSync: true }}\n");

        var info = (await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound)).Environment;

        Assert.Equal(EnvironmentState.Up, info.State);
        var pod = await env.PodAsync(info.Namespace, "app");
        var sidecar = pod.Status.ContainerStatuses.Single(c => c.Name == "yak-sync");
        Assert.Equal($"{registry.Host}/mirror/busybox@{digest}", sidecar.ImageID);
        Assert.Equal("print('hello')\n", File.ReadAllText(Path.Combine(env.Cluster.VolumePath(pod, "yak-sync-0"), "main.py")));

        // The sidecar's root is the image's: busybox, the delivered agent, and nothing of the host's.
        var inside = await env.ExecAsync(info.Namespace, pod.Metadata.Name, "yak-sync", "sh", "-c", "[ -e /etc/os-release ] && echo host || echo image-only; ls /.yak-agent/*/yak-agent");
        Assert.Contains("image-only", inside, StringComparison.Ordinal);
        Assert.Contains("/.yak-agent/", inside, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildAgentImage_OciArchive_InspectedAndPushedWithSkopeo()
    {
        await using var registry = await RegistryFixture.StartAsync();
        using var scratch = new TempDirectory("yak-agent-image-");
        var archive = Path.Combine(scratch.Path, "yak-agent.oci.tar");
        var agent = Path.Combine(RepoRoot(), "artifacts", "agents", "linux-amd64", "yak-agent");
        var built = await ProcessRunner.RunAsync(ProcessRunner.StartInfo("bash", [Path.Combine(RepoRoot(), "packaging", "build-agent-image.sh"), "--agent", $"amd64={agent}", "--version", "0.1.0-test", "--out", archive]));
        Assert.True(built.ExitCode == 0, built.ToString());

        var inspected = await ProcessRunner.RunAsync(ProcessRunner.StartInfo("skopeo", ["inspect", $"oci-archive:{archive}"]));
        Assert.True(inspected.ExitCode == 0, inspected.ToString());
        Assert.Contains("\"org.opencontainers.image.version\": \"0.1.0-test\"", inspected.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("\"Architecture\": \"amd64\"", inspected.StandardOutput, StringComparison.Ordinal);

        var image = registry.Reference("yak/yak-agent:0.1.0-test");
        var pushed = await ProcessRunner.RunAsync(ProcessRunner.StartInfo("skopeo", ["copy", "--all", "--dest-tls-verify=false", $"oci-archive:{archive}", $"docker://{image}"]));
        Assert.True(pushed.ExitCode == 0, pushed.ToString());
        var served = await ProcessRunner.RunAsync(ProcessRunner.StartInfo("skopeo", ["inspect", "--tls-verify=false", $"docker://{image}"]));
        Assert.True(served.ExitCode == 0, served.ToString());
        Assert.Contains("\"org.opencontainers.image.title\": \"yak-agent\"", served.StandardOutput, StringComparison.Ordinal);

        // The same bytes make the same image: a rebuild is reproducible.
        var again = Path.Combine(scratch.Path, "again.oci.tar");
        Assert.Equal(0, (await ProcessRunner.RunAsync(ProcessRunner.StartInfo("bash", [Path.Combine(RepoRoot(), "packaging", "build-agent-image.sh"), "--agent", $"amd64={agent}", "--version", "0.1.0-test", "--out", again]))).ExitCode);
        Assert.Equal(File.ReadAllBytes(archive), File.ReadAllBytes(again));
    }

    [Fact]
    public async Task Up_PrebuiltAgentImageFromConfig_SidecarRunsItAndSyncs()
    {
        await using var registry = await RegistryFixture.StartAsync();
        using var scratch = new TempDirectory("yak-agent-image-");
        var archive = Path.Combine(scratch.Path, "yak-agent.oci.tar");
        var agent = Path.Combine(RepoRoot(), "artifacts", "agents", "linux-amd64", "yak-agent");
        var built = await ProcessRunner.RunAsync(ProcessRunner.StartInfo("bash", [Path.Combine(RepoRoot(), "packaging", "build-agent-image.sh"), "--agent", $"amd64={agent}", "--version", "0.1.0-test", "--out", archive]));
        Assert.True(built.ExitCode == 0, built.ToString());
        var image = registry.Reference("yak/yak-agent:0.1.0-test");
        var pushed = await ProcessRunner.RunAsync(ProcessRunner.StartInfo("skopeo", ["copy", "--all", "--dest-tls-verify=false", $"oci-archive:{archive}", $"docker://{image}"]));
        Assert.True(pushed.ExitCode == 0, pushed.ToString());

        await using var env = await EnvironmentFixture.StartAsync(example: null);
        env.WriteConfig($"owner: tester\nagent:\n  image: {image}\n");
        Directory.CreateDirectory(Path.Combine(env.Folder, "code"));
        File.WriteAllText(Path.Combine(env.Folder, "code", "main.py"), "print('hello')\n");
        File.WriteAllText(
            Path.Combine(env.Folder, "yak.yaml"),
            "name: prebuilt\nservices:\n  app:\n    image: busybox\n    command: [sh, -c, \"exec sleep 100000\"]\n    sync:\n      - { from: ./code, to: /code, initialSync: true }\n");

        var info = (await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound)).Environment;

        Assert.Equal(EnvironmentState.Up, info.State);
        var pod = await env.PodAsync(info.Namespace, "app");
        var sidecar = pod.Spec.Containers.Single(c => c.Name == "yak-sync");
        Assert.Equal(image, sidecar.Image);
        Assert.Equal(["yak-agent", "sidecar", "--root", "/yak-sync"], sidecar.Command);
        var session = Assert.Single(Assert.Single(info.Services).Syncs).Session;
        File.WriteAllText(Path.Combine(env.Folder, "code", "main.py"), "print('again')\n");
        var flushed = Assert.Single(await env.Client.FlushSyncAsync(session, CancellationToken.None).DefaultTimeout());
        // Not "no error ever": a first connect that races the sidecar's start is retried, and the last error is kept as history.
        Assert.NotEqual(SyncSessionState.Error, flushed.State);
        Assert.Equal("print('again')\n", File.ReadAllText(Path.Combine(env.Cluster.VolumePath(pod, "yak-sync-0"), "main.py")));

        // Nothing was installed: the image's own agent answers, there is no delivered copy.
        var inside = await env.ExecAsync(info.Namespace, pod.Metadata.Name, "yak-sync", "yak-agent", "--version");
        Assert.Contains("yak-agent ", inside, StringComparison.Ordinal);
        Assert.Contains("sync protocol", inside, StringComparison.Ordinal);
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "YakDaemon.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("not inside the repository");
    }
}
