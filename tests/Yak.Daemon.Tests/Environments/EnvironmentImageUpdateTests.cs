using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Testing;
using Yak.Testing.Images;

namespace Yak.Daemon.Tests.Environments;

/// <summary>
/// <c>update</c> against a real registry (Debian's docker-registry, pushed with skopeo) and the local cluster's pulls:
/// a new image pushed under the same tag is resolved to its digest, the service rolls pinned to it and its new pod
/// runs the new content while the service left out keeps its pod; an update of every service rolls only the one still on
/// the old digest; one more rolls nothing.
/// </summary>
public sealed class EnvironmentImageUpdateTests
{
    [Fact]
    public async Task Update_NewImageUnderSameTag_RollsToItsDigestAndASecondUpdateRollsNothing()
    {
        await using var registry = await RegistryFixture.StartAsync();
        var first = await registry.PushAsync(Image("v1"), "team/web:1");
        await using var env = await EnvironmentFixture.StartAsync(example: null);
        var image = registry.Reference("team/web:1");
        File.WriteAllText(
            Path.Combine(env.Folder, "yak.yaml"),
            $"name: fresh\nservices:\n  web:\n    image: {image}\n    command: [sh, -c, \"exec sleep 100000\"]\n  other:\n    image: {image}\n    command: [sh, -c, \"exec sleep 100000\"]\n");
        var up = (await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound)).Environment;
        Assert.Equal(EnvironmentState.Up, up.State);
        var before = await env.PodAsync(up.Namespace, "web");
        var other = await env.PodAsync(up.Namespace, "other");
        Assert.EndsWith("@" + first, before.Status.ContainerStatuses.Single(c => c.Name == "web").ImageID, StringComparison.Ordinal);

        var second = await registry.PushAsync(Image("v2"), "team/web:1");
        await using var events = await EnvironmentEvents.SubscribeAsync(env.Client);
        var updated = await Update(env, "web");

        var web = Assert.Single(updated.Images);
        Assert.Equal((ImagePath.Registry, ImageStep.Changed, true), (web.Path, web.Outcome, web.Rolled));
        Assert.Equal((second, first), (web.Digest, web.Previous));
        Assert.NotNull(web.RolloutSeconds);
        Assert.Equal(EnvironmentState.Up, updated.Environment.State);
        var after = await env.WaitForReadyPodAsync(up.Namespace, "web", p => p.Metadata.Name != before.Metadata.Name);
        Assert.Equal($"{image}@{second}", after.Spec.Containers.Single(c => c.Name == "web").Image);
        Assert.EndsWith("@" + second, after.Status.ContainerStatuses.Single(c => c.Name == "web").ImageID, StringComparison.Ordinal);
        Assert.Equal("v2", (await env.ExecAsync(up.Namespace, after.Metadata.Name, "web", "cat", "/etc/marker")).Trim());
        Assert.Equal(other.Metadata.Uid, (await env.PodAsync(up.Namespace, "other")).Metadata.Uid);
        var pulled = await events.WaitForAsync(EventKinds.EnvImage, e => e.Service == "web" && e.Step == ImageStep.Pulled).DefaultTimeout();
        Assert.Contains(after.Metadata.Name, pulled.Message, StringComparison.Ordinal);
        Assert.Equal([ImageStep.Resolving, ImageStep.Changed], events.Of(EventKinds.EnvImage).Where(e => e.Service == "web").Select(e => e.Step).Take(2));

        // Every service: web already runs the tag's digest, other (left out above) still runs the old one.
        var all = await Update(env);

        Assert.Equal((ImageStep.Unchanged, false), (all.Images.Single(i => i.Service == "web").Outcome, all.Images.Single(i => i.Service == "web").Rolled));
        Assert.Equal((ImageStep.Changed, true, first), (all.Images.Single(i => i.Service == "other").Outcome, all.Images.Single(i => i.Service == "other").Rolled, all.Images.Single(i => i.Service == "other").Previous));
        Assert.Equal(after.Metadata.Uid, (await env.PodAsync(up.Namespace, "web")).Metadata.Uid);
        var otherAfter = await env.WaitForReadyPodAsync(up.Namespace, "other", p => p.Metadata.Uid != other.Metadata.Uid);

        var again = await Update(env);

        Assert.All(again.Images, i => Assert.Equal((ImagePath.Registry, ImageStep.Unchanged, false, second), (i.Path, i.Outcome, i.Rolled, i.Digest)));
        Assert.Equal(after.Metadata.Uid, (await env.PodAsync(up.Namespace, "web")).Metadata.Uid);
        Assert.Equal(otherAfter.Metadata.Uid, (await env.PodAsync(up.Namespace, "other")).Metadata.Uid);
    }

    private static OciImageBuilder Image(string marker) =>
        new OciImageBuilder().AddBusybox().AddLayer(l => l.File("/etc/marker", marker + "\n")).Cmd("sh");

    private static async Task<EnvUpdateResponse> Update(EnvironmentFixture env, params string[] services) =>
        await env.Client.InvokeAsync<EnvUpdateResponse>(
            Methods.EnvUpdate,
            new EnvUpdateRequest { Name = "fresh", SpecPath = string.Empty, Services = services, TimeoutSeconds = 120 },
            CancellationToken.None).WaitAsync(EnvironmentFixture.UpBound);
}
