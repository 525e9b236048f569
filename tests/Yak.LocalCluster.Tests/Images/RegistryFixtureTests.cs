using System.Net.Http.Headers;
using Yak.Testing;
using Yak.Testing.Images;

namespace Yak.LocalCluster.Tests.Images;

/// <summary>The test registry and image builder themselves: what they push is what a registry client reads back.</summary>
public sealed class RegistryFixtureTests
{
    [Fact]
    public async Task PushAsync_BusyboxImage_RegistryServesManifestUnderTheReturnedDigest()
    {
        await using var registry = await RegistryFixture.StartAsync();
        var digest = await registry.PushAsync(new OciImageBuilder().AddBusybox().Cmd("sh"), "tools/busybox:1");

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{registry.Host}/v2/tools/busybox/manifests/1");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.oci.image.manifest.v1+json"));
        using var response = await http.SendAsync(request).DefaultTimeout();

        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
        Assert.Equal(digest, Assert.Single(response.Headers.GetValues("Docker-Content-Digest")));
        Assert.StartsWith("sha256:", digest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PushAsync_DockerV2_RegistryServesDockerManifest()
    {
        await using var registry = await RegistryFixture.StartAsync();
        await registry.PushAsync(new OciImageBuilder().AddLayer(l => l.File("/marker", "x")), "plain:v2", dockerV2: true);

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{registry.Host}/v2/plain/manifests/v2");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.docker.distribution.manifest.v2+json"));
        using var response = await http.SendAsync(request).DefaultTimeout();

        Assert.Equal("application/vnd.docker.distribution.manifest.v2+json", response.Content.Headers.ContentType?.MediaType);
    }
}
