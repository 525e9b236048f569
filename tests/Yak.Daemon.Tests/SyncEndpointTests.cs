using Yak.Daemon.Sync;

namespace Yak.Daemon.Tests;

public sealed class SyncEndpointTests
{
    [Theory]
    [InlineData("local:/tmp/replica", "local:/tmp/replica")]
    [InlineData("pod:ns/web:/code", "pod:ns/web:/code")]
    [InlineData("pod:ns/web/yak-sync:/yak-sync/0", "pod:ns/web/yak-sync:/yak-sync/0")]
    [InlineData("selector:yak-a-shop/yak.dev/service=web/yak-sync:/yak-sync/0", "selector:yak-a-shop/yak.dev/service=web/yak-sync:/yak-sync/0")]
    [InlineData("selector:ns/app=web,tier=front/c:/p", "selector:ns/app=web,tier=front/c:/p")]
    public void TryParse_ValidEndpoint_RoundTrips(string text, string expected)
    {
        Assert.True(SyncEndpoint.TryParse(text, out var endpoint, out var error), error);
        Assert.Equal(expected, endpoint.ToString());
    }

    [Fact]
    public void TryParse_Selector_SplitsNamespaceSelectorContainerPath()
    {
        Assert.True(SyncEndpoint.TryParse("selector:yak-a-shop/yak.dev/service=web/yak-sync:/yak-sync/0", out var endpoint, out _));

        var selector = Assert.IsType<SelectorSyncEndpoint>(endpoint);
        Assert.Equal(("yak-a-shop", "yak.dev/service=web", "yak-sync", "/yak-sync/0"), (selector.Namespace, selector.Selector, selector.Container, selector.Path));
    }

    [Theory]
    [InlineData("local:", "absolute")]
    [InlineData("local:rel", "absolute")]
    [InlineData("pod:ns:/code", "pod:NAMESPACE/POD")]
    [InlineData("pod:ns/web:relative", "pod:NAMESPACE/POD")]
    [InlineData("pod:ns/a/b/c:/code", "pod:NAMESPACE/POD")]
    [InlineData("selector:ns/web/c:/p", "selector:NAMESPACE")]
    [InlineData("selector:ns/app=web:/p", "selector:NAMESPACE")]
    [InlineData("s3://bucket", "not a sync endpoint")]
    public void TryParse_Invalid_ExplainsTheForm(string text, string expected)
    {
        Assert.False(SyncEndpoint.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
