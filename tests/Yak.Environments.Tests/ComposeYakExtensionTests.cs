namespace Yak.Environments.Tests;

public sealed class ComposeYakExtensionTests : IDisposable
{
    private readonly SpecFixture fx = new();

    public void Dispose() => fx.Dispose();

    [Fact]
    public void Load_XYak_AppliesInitialSyncAndExcludesToEveryBindMount()
    {
        var result = fx.Load("""
            services:
              web:
                image: python
                entrypoint: [python3, /app/server.py]
                volumes: [./web:/app, ./api:/api]
                x-yak: { initialSync: true, exclude: [tmp/], initalSync: true }
            """, "compose.yaml");
        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.All(result.Spec!["web"]!.Syncs, s => Assert.True(s.InitialSync));
        Assert.All(result.Spec!["web"]!.Syncs, s => Assert.Equal(["tmp/"], s.Excludes));
        Lines.Equal(["compose.yaml:6:50: services.web.x-yak.initalSync: unknown x-yak option, ignored (did you mean \"initialSync\"?)"], fx.Relative(result.Warnings));
    }

    [Fact]
    public void Load_XYakInitialSyncWithOnlyCommand_WarnsAndRunsTheCommandDirectly()
    {
        var result = fx.Load("""
            services:
              web:
                image: python
                command: python3 /app/server.py
                volumes: [./web:/app]
                x-yak: { initialSync: true }
            """, "compose.yaml");
        Assert.True(result.Success, string.Join("\n", result.Errors));
        Lines.Equal(
            ["compose.yaml:5:15: services.web.volumes[0]: initialSync with \"command\" but no \"entrypoint\": the command is run directly, without the image's entrypoint"],
            fx.Relative(result.Warnings));
        var app = Manifests.ManifestBuilder.Build(result.Spec!, new Manifests.ManifestOptions { Owner = "a" })
            .Objects.OfType<k8s.Models.V1Deployment>().Single().Spec.Template.Spec.Containers[0];
        Assert.Equal(["sh", "-c", Manifests.SyncSidecar.WaitScript, "yak-wait-for-sync", "python3", "/app/server.py"], app.Command);
    }

    [Fact]
    public void Load_XYakInitialSyncWithoutAnyCommand_IsAnError()
    {
        var errors = fx.Errors("""
            services:
              web:
                image: python
                volumes: [./web:/app]
                x-yak: { initialSync: true }
            """, "compose.yaml");
        Lines.Equal(["compose.yaml:4:15: services.web.volumes[0]: initialSync needs the service to name its \"entrypoint\" or \"command\" (yak wraps it to wait for the first sync)"], errors);
    }
}
