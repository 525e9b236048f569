using System.Text.Json.Nodes;
using Yak.Environments.Spec;

namespace Yak.Environments.Debug;

/// <summary>
/// The VS Code launch.json entry (<c>request: attach</c>; for .NET <c>launch</c> through netcoredbg's server) for a debugged service: the debugger's type, where its
/// port is forwarded, and the remote ↔ local path mapping taken from the service's sync mappings.
/// </summary>
public static class AttachConfiguration
{
    public static JsonObject Build(string environment, ServiceSpec service, DebugProfile profile, int localPort)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(profile);
        var name = $"yak: {service.Name} ({environment}, {profile.Name})";
        var first = service.Syncs.FirstOrDefault();
        return profile.Runtime switch
        {
            DebugRuntime.Node => new JsonObject
            {
                ["name"] = name,
                ["type"] = "node",
                ["request"] = "attach",
                ["address"] = "127.0.0.1",
                ["port"] = localPort,
                // The node debugger maps one root; the first sync mapping is the service's code.
                ["localRoot"] = first?.LocalPath,
                ["remoteRoot"] = first?.ContainerPath,
                ["skipFiles"] = new JsonArray("<node_internals>/**"),
            },
            DebugRuntime.Python => new JsonObject
            {
                ["name"] = name,
                ["type"] = "debugpy",
                ["request"] = "attach",
                ["connect"] = new JsonObject { ["host"] = "127.0.0.1", ["port"] = localPort },
                ["pathMappings"] = new JsonArray([.. service.Syncs.Select(s => (JsonNode)new JsonObject { ["localRoot"] = s.LocalPath, ["remoteRoot"] = s.ContainerPath })]),
            },
            // netcoredbg started with '-- CMD' runs CMD when the client sends 'launch' (its 'attach' wants a process id),
            // so VS Code launches through the debug server; 'program' is only shown: netcoredbg runs its own command
            // line. An empty cwd keeps the container's working directory (a local default would not exist there).
            DebugRuntime.Dotnet => new JsonObject
            {
                ["name"] = name,
                ["type"] = "coreclr",
                ["request"] = "launch",
                ["debugServer"] = localPort,
                ["program"] = Program(service, profile),
                ["cwd"] = service.WorkingDir ?? string.Empty,
                ["stopAtEntry"] = false,
                ["sourceFileMap"] = SourceFileMap(service),
            },
            _ => new JsonObject
            {
                ["name"] = name,
                ["type"] = "go",
                ["request"] = "attach",
                ["mode"] = "remote",
                ["host"] = "127.0.0.1",
                ["port"] = localPort,
                ["substitutePath"] = new JsonArray([.. service.Syncs.Select(s => (JsonNode)new JsonObject { ["from"] = s.LocalPath, ["to"] = s.ContainerPath })]),
            },
        };
    }

    /// <summary>What runs under the debugger: the command's assembly (<c>dotnet api.dll</c> → api.dll), else its first word.</summary>
    private static string Program(ServiceSpec service, DebugProfile profile)
    {
        IReadOnlyList<string> words = profile.Command ?? [.. service.Command ?? [], .. service.Args ?? []];
        var separator = words.ToList().IndexOf("--");
        var program = separator >= 0 ? words.Skip(separator + 1).ToList() : [.. words];
        return program.LastOrDefault(w => w.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) ?? program.FirstOrDefault() ?? string.Empty;
    }

    private static JsonObject SourceFileMap(ServiceSpec service)
    {
        var map = new JsonObject();
        foreach (var sync in service.Syncs)
        {
            map[sync.ContainerPath] = sync.LocalPath;
        }

        return map;
    }
}
