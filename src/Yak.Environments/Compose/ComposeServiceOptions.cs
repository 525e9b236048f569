using System.Globalization;
using System.Text.RegularExpressions;
using Yak.Environments.Loading;
using Yak.Environments.Spec;
using Yak.Environments.Validation;
using Yak.Environments.Yaml;

namespace Yak.Environments.Compose;

/// <summary>How a compose service runs beside the others: <c>depends_on</c> with conditions, <c>deploy</c> (replicas, resources), <c>scale</c>, <c>profiles</c>.</summary>
internal sealed partial class ComposeServiceOptions(NodeReader r)
{
    /// <summary>
    /// <c>depends_on</c>: a list (each waited for until started, compose's default) or a mapping of service to
    /// <c>{condition, required, restart}</c>.
    /// </summary>
    public void DependsOn(ServiceDraft draft, YNode node, string path)
    {
        if (node is YMapping mapping)
        {
            foreach (var (key, value) in mapping.Entries)
            {
                var keyPath = NodeReader.Join(path, key.Value);
                draft.DependsOn.Add(new(key.Value, key, keyPath));
                draft.Dependencies.Add(LongDependency(key.Value, value, keyPath));
            }

            return;
        }

        if (r.Sequence(node, path, "a list of service names or a mapping") is { } sequence)
        {
            for (var i = 0; i < sequence.Items.Count; i++)
            {
                if (r.String(sequence.Items[i], NodeReader.Index(path, i), "a service name") is { } name)
                {
                    draft.DependsOn.Add(new(name, sequence.Items[i], NodeReader.Index(path, i)));
                    draft.Dependencies.Add(new ServiceDependency(name, DependencyCondition.Started, Required: true));
                }
            }
        }
    }

    /// <summary>What a condition means on Kubernetes, said where it differs from compose.</summary>
    public void WarnConditions(IReadOnlyList<ServiceDraft> services)
    {
        var byName = services.GroupBy(s => s.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var service in services)
        {
            foreach (var dependency in service.DependsOn)
            {
                var condition = service.Dependencies.FirstOrDefault(d => d.Service == dependency.Value)?.Condition;
                if (!byName.TryGetValue(dependency.Value, out var target))
                {
                    continue;
                }

                if (condition == DependencyCondition.Ready && target.Readiness is null)
                {
                    r.Warning(dependency.Node, dependency.Path, $"{target.Name} has no healthcheck: service_healthy waits until its pods are Ready, which without a probe is as soon as they run");
                }
                else if (condition == DependencyCondition.Completed)
                {
                    r.Warning(dependency.Node, dependency.Path, $"{target.Name} runs as a Deployment: Kubernetes starts its command again after it exits (with back-off), so it must be safe to repeat; {service.Name} waits for its first exit with 0");
                }
            }
        }
    }

    private ServiceDependency LongDependency(string service, YNode node, string path)
    {
        var condition = DependencyCondition.Started;
        var required = true;
        if (node is YScalar { IsNull: true } || r.Mapping(node, path, "a mapping with condition, required and restart") is not { } options)
        {
            return new ServiceDependency(service, condition, required);
        }

        foreach (var (key, value) in options.Entries)
        {
            var keyPath = NodeReader.Join(path, key.Value);
            switch (key.Value)
            {
                case "condition" when r.String(value, keyPath, "a condition") is { } text:
                    var at = Array.IndexOf(ComposeKeys.Conditions, text);
                    if (at < 0)
                    {
                        r.Error(value, keyPath, $"expected one of {string.Join(", ", ComposeKeys.Conditions)}, got \"{text}\"{DidYouMean.Hint(text, ComposeKeys.Conditions)}");
                    }
                    else
                    {
                        condition = (DependencyCondition)at;
                    }

                    break;
                case "required":
                    required = r.Bool(value, keyPath) != false;
                    break;
                case "restart":
                    r.Warning(key, keyPath, "\"restart\" is not supported by yak and is ignored (a dependent is not restarted when its dependency is updated)");
                    break;
                case "condition":
                    break;
                default:
                    r.Warning(key, keyPath, $"unknown depends_on option, ignored{DidYouMean.Hint(key.Value, ComposeKeys.DependsOnLong)}");
                    break;
            }
        }

        return new ServiceDependency(service, condition, required);
    }

    /// <summary><c>profiles</c>: names as compose allows them (<c>[a-zA-Z0-9][a-zA-Z0-9_.-]+</c>).</summary>
    public void Profiles(ServiceDraft draft, YNode node, string path)
    {
        if (r.StringList(node, path) is not { } names)
        {
            return;
        }

        for (var i = 0; i < names.Count; i++)
        {
            if (!ProfileName().IsMatch(names[i]))
            {
                r.Error(node is YSequence s ? s.Items[i] : node, NodeReader.Index(path, i), $"expected a profile name of letters, digits, '_', '.' and '-' (starting with a letter or digit), got \"{names[i]}\"");
            }
            else if (!draft.Profiles.Contains(names[i]))
            {
                draft.Profiles.Add(names[i]);
            }
        }
    }

    /// <summary><c>scale</c>: the replica count (as <c>deploy.replicas</c>; the two must agree when both are given).</summary>
    public void Scale(YNode node, string path, ref int? replicas) =>
        SetReplicas(node, path, ref replicas);

    /// <summary><c>deploy</c>: <c>replicas</c> and <c>resources</c> (limits, reservations → requests) are honoured; the rest is warned about.</summary>
    public void Deploy(ServiceDraft draft, YNode node, string path, ref int? replicas)
    {
        if (r.Mapping(node, path, "a deploy mapping") is not { } mapping)
        {
            return;
        }

        foreach (var (key, value) in mapping.Entries)
        {
            var keyPath = NodeReader.Join(path, key.Value);
            switch (key.Value)
            {
                case "replicas":
                    SetReplicas(value, keyPath, ref replicas);
                    break;
                case "resources":
                    draft.Resources = Resources(value, keyPath);
                    break;
                default:
                    r.Warning(key, keyPath, ComposeKeys.DeployIgnored.Contains(key.Value)
                        ? $"\"{key.Value}\" is not supported by yak and is ignored"
                        : $"unknown deploy option, ignored{DidYouMean.Hint(key.Value, ComposeKeys.DeploySupported.Concat(ComposeKeys.DeployIgnored))}");
                    break;
            }
        }
    }

    private void SetReplicas(YNode node, string path, ref int? replicas)
    {
        if (r.Int(node, path, 0, 100, "a replica count 0-100") is not { } count)
        {
            return;
        }

        if (replicas is { } earlier && earlier != count)
        {
            r.Error(node, path, $"{count} replicas here, but {earlier} given by the service's other replica key (scale / deploy.replicas); give one");
            return;
        }

        replicas = count;
    }

    private ResourceSpec Resources(YNode node, string path)
    {
        if (r.Mapping(node, path, "a mapping with limits and/or reservations") is not { } mapping)
        {
            return ResourceSpec.None;
        }

        (string? Cpu, string? Memory) limits = (null, null), reservations = (null, null);
        foreach (var (key, value) in mapping.Entries)
        {
            var keyPath = NodeReader.Join(path, key.Value);
            switch (key.Value)
            {
                case "limits":
                    limits = CpuAndMemory(value, keyPath);
                    break;
                case "reservations":
                    reservations = CpuAndMemory(value, keyPath);
                    break;
                default:
                    r.Warning(key, keyPath, $"unknown resources option, ignored{DidYouMean.Hint(key.Value, ComposeKeys.DeployResources)}");
                    break;
            }
        }

        return new ResourceSpec(reservations.Cpu, reservations.Memory, limits.Cpu, limits.Memory);
    }

    private (string? Cpu, string? Memory) CpuAndMemory(YNode node, string path)
    {
        string? cpu = null, memory = null;
        if (r.Mapping(node, path, "a mapping with cpus and/or memory") is not { } mapping)
        {
            return (cpu, memory);
        }

        foreach (var (key, value) in mapping.Entries)
        {
            var keyPath = NodeReader.Join(path, key.Value);
            switch (key.Value)
            {
                case "cpus" when r.String(value, keyPath, "a CPU count such as 0.5") is { } text:
                    cpu = double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var cpus) && cpus > 0 && cpus <= 1024 ? text : null;
                    if (cpu is null)
                    {
                        r.Error(value, keyPath, $"expected a CPU count such as 0.5 or 2, got \"{text}\"");
                    }

                    break;
                case "memory" when r.String(value, keyPath, "a size such as 512m or 1g") is { } text:
                    memory = MemoryQuantity(text);
                    if (memory is null)
                    {
                        r.Error(value, keyPath, $"expected a size such as 512m or 1g (compose's byte units b, k, m, g), got \"{text}\"");
                    }

                    break;
                case "cpus" or "memory":
                    break;
                default:
                    r.Warning(key, keyPath, ComposeKeys.DeployResourceValues.Contains(key.Value)
                        ? $"\"{key.Value}\" is not supported by yak and is ignored"
                        : $"unknown resource, ignored{DidYouMean.Hint(key.Value, ComposeKeys.DeployResourceValues)}");
                    break;
            }
        }

        return (cpu, memory);
    }

    /// <summary>A compose byte size (units b, k, m, g, 1024-based, optional trailing b) as a Kubernetes quantity.</summary>
    internal static string? MemoryQuantity(string text)
    {
        var match = ByteSize().Match(text);
        if (!match.Success)
        {
            return null;
        }

        var unit = match.Groups["unit"].Value.ToLowerInvariant() switch
        {
            "k" => "Ki",
            "m" => "Mi",
            "g" => "Gi",
            _ => string.Empty,
        };
        return match.Groups["number"].Value + unit;
    }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")]
    private static partial Regex ProfileName();

    [GeneratedRegex("^(?<number>[0-9]{1,12})(?<unit>[bkmgBKMG]?)[bB]?$")]
    private static partial Regex ByteSize();
}
