using k8s.Models;
using Yak.Environments.Manifests;

namespace Yak.Environments.Tests;

public sealed class ExampleTests
{
    private static string Shop => Path.Combine(SchemaTests.RepoRoot(), "examples", "shop");

    [Theory]
    [InlineData("yak.yaml")]
    [InlineData("docker-compose.yml")]
    public void Load_ShopExample_HasNoErrorsOrWarnings(string file)
    {
        var result = EnvironmentSpecLoader.Load(Path.Combine(Shop, file));
        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.Empty(result.Warnings);
        var spec = result.Spec!;
        Assert.Equal("shop", spec.Name);
        Assert.Equal(["web", "store"], spec.Services.Select(s => s.Name));
        Assert.Equal(Path.Combine(Shop, "web"), Assert.Single(spec["web"]!.Syncs).LocalPath);
        Assert.Equal(8080, Assert.Single(spec["web"]!.Ports).LocalPort);
        Assert.Equal("/data", Assert.Single(spec["store"]!.Volumes).MountPath);
    }

    [Fact]
    public void Build_ShopExampleBothFormats_GiveTheSameWorkloadShapes()
    {
        var options = new ManifestOptions { Owner = "dev" };
        var yak = ManifestBuilder.Build(EnvironmentSpecLoader.Load(Path.Combine(Shop, "yak.yaml")).Spec!, options);
        var compose = ManifestBuilder.Build(EnvironmentSpecLoader.Load(Path.Combine(Shop, "docker-compose.yml")).Spec!, options);
        Assert.Equal(yak.Objects.Select(o => $"{o.Kind}/{o.Metadata.Name}"), compose.Objects.Select(o => $"{o.Kind}/{o.Metadata.Name}"));
        Assert.Equal("yak-dev-shop", yak.NamespaceName);
        Assert.Single(yak.Objects.OfType<V1StatefulSet>());
        Assert.Equal("yak-sync", yak["web"]!.SyncContainer);
        Assert.True(File.Exists(Path.Combine(Shop, "web", "server.py")));
    }
}
