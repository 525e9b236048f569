using Yak.Daemon.Images;

namespace Yak.Daemon.Tests.Images;

public sealed class ImageNameTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("busybox", "docker.io", "library/busybox", null)]
    [InlineData("busybox:1.37", "docker.io", "library/busybox", "1.37")]
    [InlineData("team/web:2", "docker.io", "team/web", "2")]
    [InlineData("127.0.0.1:5000/team/web:1", "127.0.0.1:5000", "team/web", "1")]
    [InlineData("localhost/web", "localhost", "web", null)]
    [InlineData("registry.corp/a/b/c:v1.2-rc_3", "registry.corp", "a/b/c", "v1.2-rc_3")]
    public void Parse_References_RegistryRepositoryTag(string text, string registry, string repository, string? tag)
    {
        var name = ImageName.Parse(text, out var error);

        Assert.True(name is not null, error);
        Assert.Equal((registry, repository, tag), (name.Registry, name.Repository, name.Tag));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Team/Web")]
    [InlineData("web:bad tag")]
    [InlineData("web@sha256:xyz")]
    [InlineData("web:")]
    public void Parse_NotAReference_NullWithTheReason(string text)
    {
        Assert.Null(ImageName.Parse(text, out var error));
        Assert.NotEmpty(error);
    }

    [Theory]
    [InlineData("127.0.0.1:5000/team/web:1", "127.0.0.1:5000/team/web:1@" + Digest)]
    [InlineData("busybox", "busybox@" + Digest)]
    [InlineData("busybox:1@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "busybox:1@" + Digest)]
    public void Pinned_KeepsTheTagForHumans(string text, string expected) => Assert.Equal(expected, ImageName.Parse(text, out _)!.Pinned(Digest));

    [Fact]
    public void ApiHost_DockerHub_IsItsRegistryHost() => Assert.Equal("registry-1.docker.io", ImageName.Parse("busybox", out _)!.ApiHost);

    [Theory]
    [InlineData("127.0.0.1:5000", true)]
    [InlineData("localhost:5000", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("registry.corp:5000", false)]
    [InlineData("10.0.0.1:5000", false)]
    public void IsLoopbackHost_Hosts(string host, bool expected) => Assert.Equal(expected, ImageName.IsLoopbackHost(host));
}
