using Yak.LocalCluster.Runtime;
using Yak.LocalCluster.Runtime.Images;
using Yak.Testing;
using Yak.Testing.Images;

namespace Yak.LocalCluster.Tests.Images;

/// <summary>The node's image store against a real registry: sharing, concurrency, what a crash leaves behind.</summary>
public sealed class ImageStoreTests
{
    private static ImageReference Parse(string image) =>
        ImageReference.TryParse(image, out var reference, out var error) ? reference : throw new ArgumentException(error);

    [Fact]
    public async Task PullAsync_TagAndDigestOfOneImageAtOnce_ShareOneRootFs()
    {
        await using var registry = await RegistryFixture.StartAsync();
        var image = new OciImageBuilder().AddBusybox().AddLayer(l => l.File("/marker", "shared"));
        var digest = await registry.PushAsync(image, "app:a");
        using var state = new TempDirectory("yak-node-");
        using var store = new ImageStore(new PodRuntimeOptions(state.Path));

        var pulls = await Task.WhenAll(
            store.PullAsync(Parse(registry.Reference("app:a")), null, CancellationToken.None),
            store.PullAsync(Parse(registry.Reference("app@" + digest)), null, CancellationToken.None)).DefaultTimeout();

        Assert.Equal(pulls[0].RootFs, pulls[1].RootFs);
        Assert.Single(Directory.EnumerateDirectories(Path.Combine(state.Path, "images", "rootfs")));
        Assert.NotNull(store.FindLocal(Parse(registry.Reference("app@" + digest))));
    }

    [Fact]
    public void ImageStore_LeftoversOfACrash_RemovedAtStart()
    {
        using var state = new TempDirectory("yak-node-");
        using (new ImageStore(new PodRuntimeOptions(state.Path)))
        {
        }

        var halfBlob = Path.Combine(state.Path, "images", "blobs", "sha256", ".tmp-0011223344556677");
        var halfRoot = Path.Combine(state.Path, "images", "rootfs", ".tmp-8899aabbccddeeff");
        File.WriteAllText(halfBlob, "partial");
        Directory.CreateDirectory(Path.Combine(halfRoot, "bin"));

        using var store = new ImageStore(new PodRuntimeOptions(state.Path));

        Assert.False(File.Exists(halfBlob));
        Assert.False(Directory.Exists(halfRoot));
    }
}
