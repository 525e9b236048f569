using Yak.Environments.Loading;
using Yak.Environments.Yaml;

namespace Yak.Environments.Validation;

/// <summary>Checks that span parts of a service or several services: names, references, cycles, clashes.</summary>
internal static class SpecValidator
{
    public static void Validate(IReadOnlyList<ServiceDraft> services, NodeReader r, bool compose)
    {
        var names = services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var service in services)
        {
            CheckServiceName(service, r, compose);
            CheckDependencies(service, names, r);
            CheckPorts(service, r);
            CheckMounts(service, r);
            if (service.Syncs.FirstOrDefault(s => s.Value.InitialSync) is { } gated && service.Command is null)
            {
                if (service.Args is null)
                {
                    r.Error(gated.Node, gated.Path, compose
                        ? "initialSync needs the service to name its \"entrypoint\" or \"command\" (yak wraps it to wait for the first sync)"
                        : "initialSync needs the service to name its \"command\" (yak wraps it to wait for the first sync)");
                }
                else
                {
                    r.Warning(gated.Node, gated.Path, compose
                        ? "initialSync with \"command\" but no \"entrypoint\": the command is run directly, without the image's entrypoint"
                        : "initialSync with \"args\" but no \"command\": the args are run directly, without the image's entrypoint");
                }
            }
        }

        CheckCycles(services, r);
        CheckLocalPorts(services, r);
    }

    private static void CheckServiceName(ServiceDraft service, NodeReader r, bool compose)
    {
        if (Rules.IsServiceName(service.Name))
        {
            return;
        }

        var suggestion = Naming.KubeNames.Sanitize(service.Name, Rules.MaxServiceName);
        var hint = suggestion.Length > 0 && suggestion != service.Name && char.IsLetter(suggestion[0]) ? $" (rename it, e.g. \"{suggestion}\")" : string.Empty;
        r.Error(service.KeyNode, service.Path, $"expected a service name of lowercase letters, digits and '-', starting with a letter, at most {Rules.MaxServiceName} characters, got \"{service.Name}\"{hint}" +
            (compose ? "; Kubernetes names cannot hold '_' or capitals" : string.Empty));
    }

    private static void CheckDependencies(ServiceDraft service, HashSet<string> names, NodeReader r)
    {
        foreach (var dep in service.DependsOn)
        {
            if (dep.Value == service.Name)
            {
                r.Error(dep.Node, dep.Path, "a service cannot depend on itself");
            }
            else if (!names.Contains(dep.Value))
            {
                r.Error(dep.Node, dep.Path, $"unknown service \"{dep.Value}\"{DidYouMean.Hint(dep.Value, names)}");
            }
        }
    }

    private static void CheckPorts(ServiceDraft service, NodeReader r)
    {
        var seen = new HashSet<(int, Spec.PortProtocol)>();
        var portNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var port in service.Ports)
        {
            if (!seen.Add((port.Value.ContainerPort, port.Value.Protocol)))
            {
                r.Error(port.Node, port.Path, $"container port {port.Value.ContainerPort}/{port.Value.Protocol.ToString().ToLowerInvariant()} is listed twice");
            }

            if (port.Value.Name is { } name && !portNames.Add(name))
            {
                r.Error(port.Node, port.Path, $"port name \"{name}\" is used twice");
            }

            if (port.Value.LocalPort is not null && port.Value.Protocol == Spec.PortProtocol.Udp)
            {
                r.Error(port.Node, port.Path, "only TCP ports can be forwarded to localhost");
            }
        }
    }

    private static void CheckMounts(ServiceDraft service, NodeReader r)
    {
        var mounts = new Dictionary<string, string>(StringComparer.Ordinal);
        var all = service.Syncs.Select(s => (s.Value.ContainerPath, s.Node, s.Path))
            .Concat(service.Volumes.Select(v => (ContainerPath: v.Value.MountPath, v.Node, v.Path)));
        foreach (var (containerPath, node, path) in all)
        {
            var key = containerPath.TrimEnd('/');
            if (!mounts.TryAdd(key.Length == 0 ? "/" : key, path))
            {
                r.Error(node, path, $"{containerPath} is already mounted by {mounts[key.Length == 0 ? "/" : key]}");
            }
        }

        var volumeNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var volume in service.Volumes)
        {
            if (!volumeNames.Add(volume.Value.Name))
            {
                r.Error(volume.Node, volume.Path, $"volume \"{volume.Value.Name}\" is listed twice");
            }
        }
    }

    private static void CheckCycles(IReadOnlyList<ServiceDraft> services, NodeReader r)
    {
        var byName = services.GroupBy(s => s.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new List<string>();
        foreach (var service in services)
        {
            Visit(service);
        }

        void Visit(ServiceDraft service)
        {
            state[service.Name] = 1;
            stack.Add(service.Name);
            foreach (var dep in service.DependsOn)
            {
                if (!byName.TryGetValue(dep.Value, out var target) || target == service)
                {
                    continue;
                }

                var mark = state.GetValueOrDefault(dep.Value);
                if (mark == 1)
                {
                    var cycle = stack.Skip(stack.IndexOf(dep.Value)).Append(dep.Value);
                    r.Error(dep.Node, dep.Path, $"dependency cycle: {string.Join(" -> ", cycle)}");
                }
                else if (mark == 0)
                {
                    Visit(target);
                }
            }

            stack.RemoveAt(stack.Count - 1);
            state[service.Name] = 2;
        }
    }

    private static void CheckLocalPorts(IReadOnlyList<ServiceDraft> services, NodeReader r)
    {
        var owners = new Dictionary<int, string>();
        foreach (var service in services)
        {
            foreach (var port in service.Ports)
            {
                if (port.Value.LocalPort is { } local && !owners.TryAdd(local, $"{service.Name}"))
                {
                    r.Error(port.Node, port.Path, $"local port {local} is already forwarded to {owners[local]}");
                }
            }
        }
    }
}
