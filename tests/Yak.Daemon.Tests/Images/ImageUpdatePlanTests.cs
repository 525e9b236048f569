using Yak.Daemon.Images;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Tests.Images;

public sealed class ImageUpdatePlanTests
{
    private const string Image = "registry.corp:5000/team/web:1";
    private static readonly string Old = "sha256:" + new string('a', 64);
    private static readonly string New = "sha256:" + new string('b', 64);

    [Fact]
    public void Decide_DigestEqualsPin_RollsNothingAndKeepsThePin()
    {
        var pin = new ImagePin(Image, $"{Image}@{Old}");

        var decision = ImageUpdatePlan.Decide(Found(Old), pin, running: New);

        Assert.Equal((ImageStep.Unchanged, false, Old), (decision.Update.Outcome, decision.Update.Rolled, decision.Update.Previous));
        Assert.Same(pin, decision.Pin);
    }

    [Fact]
    public void Decide_NoPinAndPodsRunTheDigest_RollsNothing()
    {
        var decision = ImageUpdatePlan.Decide(Found(Old), pin: null, running: Old);

        Assert.Equal((ImageStep.Unchanged, false), (decision.Update.Outcome, decision.Update.Rolled));
        Assert.Null(decision.Pin);
    }

    [Fact]
    public void Decide_NewDigest_PinsTheTagToIt()
    {
        var decision = ImageUpdatePlan.Decide(Found(New), new ImagePin(Image, $"{Image}@{Old}"), running: Old);

        Assert.Equal((ImagePath.Registry, ImageStep.Changed, true, Old), (decision.Update.Path, decision.Update.Outcome, decision.Update.Rolled, decision.Update.Previous));
        Assert.Equal(new ImagePin(Image, $"{Image}@{New}"), decision.Pin);
    }

    [Fact]
    public void Decide_PinOfAnotherImage_IgnoredAndThePodsDecide()
    {
        var decision = ImageUpdatePlan.Decide(Found(Old), new ImagePin("registry.corp:5000/team/web:0", "registry.corp:5000/team/web:0@" + New), running: Old);

        Assert.Equal(ImageStep.Unchanged, decision.Update.Outcome);
        Assert.Null(decision.Pin);
    }

    [Theory]
    [InlineData(true, "the nodes pull the tag themselves")]
    [InlineData(false, "pull with their own credentials")]
    public void Decide_RegistryNotAnsweringYakd_NodesPullWithAlwaysAndSaysWhy(bool unreachable, string why)
    {
        var decision = ImageUpdatePlan.Decide(Failed(unreachable ? ResolveFailure.Unreachable : ResolveFailure.Denied), pin: null, running: Old);

        Assert.Equal((ImagePath.Node, ImageStep.NodePull, true), (decision.Update.Path, decision.Update.Outcome, decision.Update.Rolled));
        Assert.Equal(new ImagePin(Image, null), decision.Pin);
        Assert.Contains("imagePullPolicy: Always", decision.Update.Reason, StringComparison.Ordinal);
        Assert.Contains(why, decision.Update.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_TagNotFound_RollsNothingAndKeepsThePin()
    {
        var pin = new ImagePin(Image, $"{Image}@{Old}");

        var decision = ImageUpdatePlan.Decide(Failed(ResolveFailure.NotFound), pin, running: Old);

        Assert.Equal((ImageStep.NotFound, false), (decision.Update.Outcome, decision.Update.Rolled));
        Assert.Same(pin, decision.Pin);
    }

    [Theory]
    [InlineData("127.0.0.1:5000/team/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("docker-pullable://busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("sha256:0123", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void DigestOf_ImageIds_TheirDigestOrNull(string? imageId, string? expected) => Assert.Equal(expected, ImageUpdatePlan.DigestOf(imageId));

    private static ImageLookup Found(string digest) => new("web", Image, digest, null, TimeSpan.FromMilliseconds(5));

    private static ImageLookup Failed(ResolveFailure failure) => new("web", Image, null, new ImageResolveException(failure, "registry.corp:5000 said no"), TimeSpan.FromMilliseconds(5));
}
