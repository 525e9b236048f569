using Yak.Daemon.Images;
using Yak.Testing;
using Yak.Testing.Images;

namespace Yak.Daemon.Tests.Images;

/// <summary>Tag → digest against Debian's docker-registry, open and behind Docker token auth.</summary>
public sealed class RegistryDigestsTests
{
    [Fact]
    public async Task Resolve_OpenRegistry_DigestOfThePushedManifest()
    {
        await using var registry = await RegistryFixture.StartAsync();
        var pushed = await registry.PushAsync(new OciImageBuilder().AddLayer(l => l.File("/a", "1")), "team/app:1");
        using var digests = new RegistryDigests(TimeSpan.FromSeconds(10));

        var digest = await digests.ResolveAsync(Name(registry, "team/app:1"), login: null, CancellationToken.None).DefaultTimeout();

        Assert.Equal(pushed, digest);
    }

    [Fact]
    public async Task Resolve_MultiPlatformIndex_DigestOfTheIndex()
    {
        await using var registry = await RegistryFixture.StartAsync();
        var pushed = await registry.PushMultiPlatformAsync(
            "team/multi:1",
            new OciImageBuilder { Architecture = "amd64" }.AddLayer(l => l.File("/a", "amd")),
            new OciImageBuilder { Architecture = "arm64" }.AddLayer(l => l.File("/a", "arm")));
        using var digests = new RegistryDigests(TimeSpan.FromSeconds(10));

        Assert.Equal(pushed, await digests.ResolveAsync(Name(registry, "team/multi:1"), login: null, CancellationToken.None).DefaultTimeout());
    }

    [Fact]
    public async Task Resolve_DockerV2Manifest_Digest()
    {
        await using var registry = await RegistryFixture.StartAsync();
        var pushed = await registry.PushAsync(new OciImageBuilder().AddLayer(l => l.File("/a", "1")), "team/v2:1", dockerV2: true);
        using var digests = new RegistryDigests(TimeSpan.FromSeconds(10));

        Assert.Equal(pushed, await digests.ResolveAsync(Name(registry, "team/v2:1"), login: null, CancellationToken.None).DefaultTimeout());
    }

    [Fact]
    public async Task Resolve_UnknownTag_NotFound()
    {
        await using var registry = await RegistryFixture.StartAsync();
        using var digests = new RegistryDigests(TimeSpan.FromSeconds(10));

        var failure = await Assert.ThrowsAsync<ImageResolveException>(() => digests.ResolveAsync(Name(registry, "team/none:1"), login: null, CancellationToken.None)).DefaultTimeout();

        Assert.Equal(ResolveFailure.NotFound, failure.Failure);
    }

    [Fact]
    public async Task Resolve_TokenAuthWithLogin_GoesThroughTheTokenServiceAndResolves()
    {
        var login = new Yak.Testing.Images.RegistryLogin("ci", "s3cret-" + Guid.NewGuid().ToString("N")[..8]);
        await using var registry = await RegistryFixture.StartAsync(login);
        var pushed = await registry.PushAsync(new OciImageBuilder().AddLayer(l => l.File("/a", "1")), "team/private:1");
        using var digests = new RegistryDigests(TimeSpan.FromSeconds(10));
        var issued = registry.Tokens!.Issued;

        var digest = await digests.ResolveAsync(Name(registry, "team/private:1"), new Yak.Daemon.Images.RegistryLogin(login.Username, login.Password), CancellationToken.None).DefaultTimeout();

        Assert.Equal(pushed, digest);
        Assert.True(registry.Tokens.Issued > issued);
    }

    [Fact]
    public async Task Resolve_TokenAuthWithoutLogin_Denied()
    {
        var login = new Yak.Testing.Images.RegistryLogin("ci", "s3cret-" + Guid.NewGuid().ToString("N")[..8]);
        await using var registry = await RegistryFixture.StartAsync(login);
        await registry.PushAsync(new OciImageBuilder().AddLayer(l => l.File("/a", "1")), "team/private:1");
        using var digests = new RegistryDigests(TimeSpan.FromSeconds(10));

        var failure = await Assert.ThrowsAsync<ImageResolveException>(() => digests.ResolveAsync(Name(registry, "team/private:1"), login: null, CancellationToken.None)).DefaultTimeout();

        Assert.Equal(ResolveFailure.Denied, failure.Failure);
    }

    [Fact]
    public async Task Resolve_NothingListens_Unreachable()
    {
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }

        using var digests = new RegistryDigests(TimeSpan.FromSeconds(10));

        var failure = await Assert.ThrowsAsync<ImageResolveException>(() => digests.ResolveAsync(ImageName.Parse($"127.0.0.1:{port}/team/app:1", out _)!, login: null, CancellationToken.None)).DefaultTimeout();

        Assert.Equal(ResolveFailure.Unreachable, failure.Failure);
    }

    [Fact]
    public void ChallengeParameters_QuotedValuesWithCommas_Read()
    {
        var parameters = RegistryDigests.ChallengeParameters("realm=\"https://auth.corp/token\",service=\"registry.corp\",scope=\"repository:a/b:pull,push\"");

        Assert.Equal("https://auth.corp/token", parameters["realm"]);
        Assert.Equal("registry.corp", parameters["service"]);
        Assert.Equal("repository:a/b:pull,push", parameters["scope"]);
    }

    private static ImageName Name(RegistryFixture registry, string nameAndTag) => ImageName.Parse(registry.Reference(nameAndTag), out _)!;
}
