using Yak.Protocol.Transport;
using Yak.Testing;

namespace Yak.Benchmarks.Startup;

/// <summary>
/// One environment in the sandbox's registry, as yakd saves it after <c>yakctl down</c> (scaled to zero, kept), so a
/// cold <c>yakctl status</c> has a row to print without a cluster: yakd reads the registry at start, and a down
/// environment is answered from it without asking a cluster.
/// </summary>
internal static class RegisteredEnvironment
{
    public const string Name = "bench-shop";

    public static void Write(YakSandbox sandbox, DaemonEndpoint endpoint)
    {
        var folder = Path.Combine(sandbox.Root, "shop");
        Directory.CreateDirectory(folder);
        var spec = Path.Combine(folder, "yak.yaml");
        File.WriteAllText(spec, $"name: {Name}\nservices:\n  web:\n    image: nginx:1.27\n    ports:\n      - 8080:80\n");
        var registry = Path.Combine(endpoint.StateDirectory, "environments");
        Directory.CreateDirectory(registry);
        File.WriteAllText(Path.Combine(registry, "environments.json"), $$"""
            [
              {
                "name": "{{Name}}",
                "specPath": "{{spec}}",
                "namespace": "yak-{{Name}}",
                "cluster": "local",
                "kubeconfig": "{{Path.Combine(sandbox.Root, "kubeconfig")}}",
                "context": "yak-local",
                "server": "https://127.0.0.1:6443",
                "state": "down",
                "updatedAt": "2026-12-02T08:00:00+00:00"
              }
            ]
            """);
    }
}
