using Yak.Environments.Spec;
using Yak.Environments.Validation;
using Yak.Environments.Yaml;
using static Yak.Environments.Schema.YakKeys;

namespace Yak.Environments.Loading;

/// <summary>
/// Reads a yak.yaml service's <c>debug</c>: a debugger's name (<c>debug: node</c>), one profile
/// (<c>{runtime, port, local, command, env}</c>), or a mapping of profile names to either.
/// </summary>
internal sealed class YakDebugReader(NodeReader r)
{
    private const string Runtimes = "node, python, dotnet or go";

    public IReadOnlyList<DebugProfile> Read(YNode node, string path)
    {
        if (node is YScalar { IsNull: false } scalar)
        {
            return Preset(scalar, path, scalar.Value) is { } single ? [single] : [];
        }

        var mapping = r.Mapping(node, path, $"a debugger ({Runtimes}), a profile {{runtime, port, local, command, env}} or a mapping of profile names to profiles");
        if (mapping is null)
        {
            return [];
        }

        if (mapping["runtime"] is not null)
        {
            // One profile, named after its debugger.
            return Profile(null, mapping, path) is { } one ? [one] : [];
        }

        if (mapping.Entries.Count == 0)
        {
            r.Error(mapping, path, $"expected at least one profile, e.g. \"debug: node\" ({Runtimes})");
            return [];
        }

        var profiles = new List<DebugProfile>();
        foreach (var (key, value) in mapping.Entries)
        {
            var itemPath = NodeReader.Join(path, key.Value);
            if (!Rules.IsDnsLabel(key.Value))
            {
                r.Error(key, itemPath, $"expected a profile name of lowercase letters, digits and '-' (at most 63), got \"{key.Value}\"");
                continue;
            }

            var profile = value is YScalar { IsNull: false } named
                ? Preset(named, itemPath, named.Value, key.Value)
                : r.Mapping(value, itemPath, $"a debugger ({Runtimes}) or {{runtime, port, local, command, env}}") is { } body ? Profile(key.Value, body, itemPath) : null;
            if (profile is not null)
            {
                profiles.Add(profile);
            }
        }

        return profiles;
    }

    /// <summary>The checks that need the whole service: a command to wrap, and a port of its own.</summary>
    public static void Check(ServiceDraft service, NodeReader r)
    {
        if (service.DebugNode is not { } node)
        {
            return;
        }

        var path = NodeReader.Join(service.Path, "debug");
        var words = DebugLaunchWords(service);
        foreach (var profile in service.Debug)
        {
            var what = $"profile \"{profile.Name}\"";
            if (profile.Command is null && profile.Runtime != DebugRuntime.Node && words is not { Count: > 0 })
            {
                r.Error(node, path, $"{what}: the {DebugProfile.RuntimeName(profile.Runtime)} debugger wraps the service's command, and {service.Name} has none (it runs its image's); give the service a \"command\", or the profile a \"command\"");
            }
            else if (profile.Command is null && profile.Runtime == DebugRuntime.Python && words is { Count: > 0 } && !Path.GetFileName(words[0]).StartsWith("python", StringComparison.Ordinal))
            {
                r.Error(node, path, $"{what}: debugpy runs python itself, but {service.Name}'s command starts with \"{words[0]}\"; start the command with python (e.g. [python3, app.py]), or give the profile a \"command\"");
            }

            if (service.Ports.FirstOrDefault(p => p.Value.ContainerPort == profile.Port) is { } clash)
            {
                r.Error(node, path, $"{what}: port {profile.Port} is also the service's port ({clash.Path}); give the profile another \"port\"");
            }
        }
    }

    private static IReadOnlyList<string>? DebugLaunchWords(ServiceDraft service) =>
        service.Command is null && service.Args is null ? null : [.. service.Command ?? [], .. service.Args ?? []];

    private DebugProfile? Preset(YNode node, string path, string runtimeText, string? name = null)
    {
        if (DebugProfile.ParseRuntime(runtimeText) is not { } runtime)
        {
            r.Error(node, path, $"expected a debugger: {Runtimes}, got \"{runtimeText}\"");
            return null;
        }

        return new DebugProfile(name ?? runtimeText, runtime, DebugProfile.DefaultPort(runtime), null, null, []);
    }

    private DebugProfile? Profile(string? name, YMapping mapping, string path)
    {
        r.CheckKeys(mapping, path, Objects[DebugEntry], "a debug profile");
        if (mapping["runtime"] is not { } runtimeNode)
        {
            r.Error(mapping, path, $"missing required key \"runtime\" ({Runtimes})");
            return null;
        }

        var runtimePath = NodeReader.Join(path, "runtime");
        if (r.String(runtimeNode, runtimePath, Runtimes) is not { } runtimeText)
        {
            return null;
        }

        if (DebugProfile.ParseRuntime(runtimeText) is not { } runtime)
        {
            r.Error(runtimeNode, runtimePath, $"expected a debugger: {Runtimes}, got \"{runtimeText}\"");
            return null;
        }

        var ok = true;
        var port = DebugProfile.DefaultPort(runtime);
        if (mapping["port"] is { } portNode)
        {
            var read = r.Int(portNode, NodeReader.Join(path, "port"), 1, 65535, "a port number 1-65535");
            ok &= read is not null;
            port = read ?? port;
        }

        int? local = null;
        if (mapping["local"] is { } localNode)
        {
            local = r.Int(localNode, NodeReader.Join(path, "local"), 1, 65535, "a local port number 1-65535");
            ok &= local is not null;
        }

        IReadOnlyList<string>? command = null;
        if (mapping["command"] is { } commandNode)
        {
            command = CommonReaders.Command(r, commandNode, NodeReader.Join(path, "command"));
            if (command is { Count: 0 })
            {
                r.Error(commandNode, NodeReader.Join(path, "command"), "expected a command, got an empty list");
                command = null;
            }

            ok &= command is not null;
        }

        IReadOnlyList<EnvVar> env = [];
        if (mapping["env"] is { } envNode)
        {
            var read = CommonReaders.Env(r, envNode, NodeReader.Join(path, "env"), compose: false);
            ok &= read is not null;
            env = read ?? [];
        }

        return ok ? new DebugProfile(name ?? runtimeText, runtime, port, local, command, env) : null;
    }
}
