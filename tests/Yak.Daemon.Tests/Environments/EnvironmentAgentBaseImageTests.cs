using Yak.Protocol.Messages;
using Yak.Testing;
using Yak.Testing.Images;

namespace Yak.Daemon.Tests.Environments;

/// <summary>
/// The sync sidecar from a base image pulled from a registry, built like the default (Debian's static busybox and
/// nothing else): the agent yakd delivers runs there, where none of the host's libraries are.
/// </summary>
public sealed class EnvironmentAgentBaseImageTests
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
}
