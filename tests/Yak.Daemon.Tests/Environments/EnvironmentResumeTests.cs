using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Testing;

namespace Yak.Daemon.Tests.Environments;

/// <summary>
/// yakd answers before its environments are resumed (that runs beside the first answers); an environment's status
/// still shows the outcome of the resume, never the registry's state from before it.
/// </summary>
public sealed class EnvironmentResumeTests
{
    [Fact]
    public async Task Status_FirstCallAfterStart_ShowsTheResumeOutcome()
    {
        using var sandbox = new YakSandbox();
        var endpoint = DaemonProcess.EndpointFor(sandbox);
        var folder = Path.Combine(sandbox.Root, "broken");
        Directory.CreateDirectory(folder);
        var spec = Path.Combine(folder, "yak.yaml");
        File.WriteAllText(spec, "name: broken\nservices:\n  app:\n    image: [busybox\n");
        var registry = Path.Combine(endpoint.StateDirectory, "environments");
        Directory.CreateDirectory(registry);
        // Up when yakd last stopped; its spec no longer loads, and its kubeconfig is gone: it cannot be resumed.
        File.WriteAllText(Path.Combine(registry, "environments.json"), $$"""
            [
              {
                "name": "broken",
                "specPath": "{{spec}}",
                "namespace": "yak-broken",
                "cluster": "local",
                "kubeconfig": "{{Path.Combine(sandbox.Root, "kubeconfig")}}",
                "context": "yak-local",
                "server": "https://127.0.0.1:6443",
                "state": "up",
                "updatedAt": "2026-12-02T08:00:00+00:00"
              }
            ]
            """);

        await using var daemon = await DaemonProcess.StartAsync(sandbox);
        await using var client = await daemon.ConnectAsync().DefaultTimeout();
        var listed = Assert.Single((await client.InvokeAsync<EnvStatusResponse>(
            Methods.EnvStatus, new EnvStatusRequest { Name = string.Empty, SpecPath = string.Empty }, CancellationToken.None).DefaultTimeout()).Environments);

        Assert.Equal("broken", listed.Name);
        Assert.Equal(EnvironmentState.Error, listed.State);
        Assert.False(string.IsNullOrEmpty(listed.LastError));
    }
}
