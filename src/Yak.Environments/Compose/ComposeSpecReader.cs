using Yak.Environments.Loading;
using Yak.Environments.Spec;
using Yak.Environments.Validation;
using Yak.Environments.Yaml;

namespace Yak.Environments.Compose;

/// <summary>
/// Turns a docker-compose.yml into an <see cref="EnvironmentSpec"/>: images, commands, environment, ports, bind mounts
/// (sync mappings), named volumes (persistent volumes), depends_on with its conditions, healthchecks, deploy.replicas
/// and resources, scale and profiles. Keys yak cannot honour are warnings, not errors.
/// </summary>
internal sealed class ComposeSpecReader(NodeReader r, string sourceFile)
{
    private readonly string baseDirectory = Path.GetDirectoryName(sourceFile) ?? ".";
    private readonly ComposeServiceOptions options = new(r);

    public EnvironmentSpec? Read(YNode? root)
    {
        if (root is null)
        {
            r.Bag.Error(new SourceMark(1, 1), string.Empty, "expected a compose file with \"services\", got an empty document");
            return null;
        }

        var mapping = r.Mapping(root, string.Empty, "a compose file mapping with \"services\"");
        if (mapping is null)
        {
            return null;
        }

        foreach (var (key, _) in mapping.Entries)
        {
            WarnUnsupported(key, key.Value, ComposeKeys.TopSupported, ComposeKeys.TopIgnored, "the compose file");
        }

        var name = ReadName(mapping);
        var volumes = ReadTopVolumes(mapping);
        var services = new List<ServiceDraft>();
        if (mapping["services"] is not { } servicesNode)
        {
            r.Error(mapping, string.Empty, "missing required key \"services\"");
        }
        else if (r.Mapping(servicesNode, "services", "a mapping of service names to services") is { } servicesMap)
        {
            if (servicesMap.Entries.Count == 0)
            {
                r.Error(servicesMap, "services", "expected at least one service");
            }

            var parts = new ComposeServiceParts(r, baseDirectory, volumes);
            foreach (var (key, value) in servicesMap.Entries)
            {
                services.Add(ReadService(key, value, parts));
            }
        }

        WarnSharedVolumes(services);
        options.WarnConditions(services);
        SpecValidator.Validate(services, r, compose: true);
        return r.Bag.HasErrors ? null : new EnvironmentSpec(name, sourceFile, SpecFormat.Compose, [.. services.Select(s => s.ToSpec())]);
    }

    private void WarnUnsupported(YScalar key, string path, string[] supported, string[] ignored, string what)
    {
        if (supported.Contains(key.Value) || Schema.YakKeys.IsExtension(key.Value))
        {
            return;
        }

        r.Warning(key, path, ignored.Contains(key.Value)
            ? $"\"{key.Value}\" is not supported by yak and is ignored"
            : $"unknown key in {what}, ignored{DidYouMean.Hint(key.Value, supported.Concat(ignored))}");
    }

    private string ReadName(YMapping mapping)
    {
        if (mapping["name"] is { } node && r.String(node, "name", "a project name") is { } text)
        {
            var label = Naming.KubeNames.Label(text, 40);
            if (label != text)
            {
                r.Warning(node, "name", $"project name \"{text}\" is used as \"{label}\" (Kubernetes names allow lowercase letters, digits and '-')");
            }

            return label;
        }

        return Naming.KubeNames.Label(Path.GetFileName(baseDirectory.TrimEnd('/', '\\')), 40);
    }

    private Dictionary<string, string> ReadTopVolumes(YMapping mapping)
    {
        var sizes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (mapping["volumes"] is not { } node || r.Mapping(node, "volumes", "a mapping of volume names") is not { } volumes)
        {
            return sizes;
        }

        foreach (var (key, value) in volumes.Entries)
        {
            var path = NodeReader.Join("volumes", key.Value);
            var size = "1Gi";
            if (value is YMapping options)
            {
                foreach (var (optionKey, optionValue) in options.Entries)
                {
                    var optionPath = NodeReader.Join(path, optionKey.Value);
                    if (optionKey.Value == "x-yak-size")
                    {
                        var text = r.String(optionValue, optionPath, "a size such as 1Gi");
                        if (text is not null && Rules.IsQuantity(text))
                        {
                            size = text;
                        }
                        else if (text is not null)
                        {
                            r.Error(optionValue, optionPath, $"expected a size such as 1Gi or 500Mi, got \"{text}\"");
                        }
                    }
                    else if (!Schema.YakKeys.IsExtension(optionKey.Value))
                    {
                        r.Warning(optionKey, optionPath, ComposeKeys.TopVolume.Contains(optionKey.Value)
                            ? $"\"{optionKey.Value}\" is not supported by yak and is ignored (volumes are PersistentVolumeClaims of the cluster's default storage class)"
                            : $"unknown volume option, ignored{DidYouMean.Hint(optionKey.Value, ComposeKeys.TopVolume)}");
                    }
                }
            }
            else if (value is not YScalar { IsNull: true })
            {
                r.Expected(value, path, "a mapping of volume options or nothing");
            }

            sizes[key.Value] = size;
        }

        return sizes;
    }

    private ServiceDraft ReadService(YScalar key, YNode node, ComposeServiceParts parts)
    {
        var path = NodeReader.Join("services", key.Value);
        var draft = new ServiceDraft(key.Value, key, node, path);
        var mapping = r.Mapping(node, path, "a service mapping with at least \"image\"");
        if (mapping is null)
        {
            return draft;
        }

        if (mapping["image"] is { } image)
        {
            draft.Image = r.NonEmpty(image, NodeReader.Join(path, "image"), "an image reference");
        }
        else
        {
            r.Error(mapping, path, mapping["build"] is not null
                ? "missing required key \"image\" (yak does not build images: push the image and name it here)"
                : "missing required key \"image\"");
        }

        (YNode? Node, string Path) yakOptions = (null, string.Empty);
        int? replicas = null;
        List<EnvVar> fromFiles = [];
        List<EnvVar> environment = [];
        foreach (var (k, value) in mapping.Entries)
        {
            var p = NodeReader.Join(path, k.Value);
            switch (k.Value)
            {
                case "entrypoint":
                    draft.Command = CommonReaders.Command(r, value, p);
                    break;
                case "command":
                    draft.Args = CommonReaders.Command(r, value, p);
                    break;
                case "working_dir":
                    draft.WorkingDir = r.String(value, p, "an absolute container path") is { } wd && Rules.IsAbsoluteContainerPath(wd) ? wd : null;
                    if (draft.WorkingDir is null && value is YScalar { IsNull: false })
                    {
                        r.Expected(value, p, "an absolute container path");
                    }

                    break;
                case "environment":
                    environment = CommonReaders.Env(r, value, p, compose: true) ?? [];
                    break;
                case "env_file":
                    fromFiles = parts.EnvFiles(value, p);
                    break;
                case "ports":
                    parts.Ports(draft, value, p, expose: false);
                    break;
                case "expose":
                    parts.Ports(draft, value, p, expose: true);
                    break;
                case "volumes":
                    parts.Volumes(draft, value, p);
                    break;
                case "depends_on":
                    options.DependsOn(draft, value, p);
                    break;
                case "deploy":
                    options.Deploy(draft, value, p, ref replicas);
                    break;
                case "scale":
                    options.Scale(value, p, ref replicas);
                    break;
                case "profiles":
                    options.Profiles(draft, value, p);
                    break;
                case "healthcheck":
                    draft.Readiness = parts.Healthcheck(value, p);
                    break;
                case "x-yak":
                    yakOptions = (value, p);
                    break;
                default:
                    WarnUnsupported(k, p, ComposeKeys.ServiceSupported, ComposeKeys.ServiceIgnored, "a service");
                    break;
            }
        }

        draft.Env = CommonReaders.Merge(fromFiles, environment);
        draft.Replicas = replicas ?? 1;
        if (yakOptions is var (optionsNode, optionsPath) && optionsNode is not null)
        {
            ApplySyncOptions(draft, optionsNode, optionsPath);
        }

        return draft;
    }

    /// <summary>
    /// The service's <c>x-yak</c> extension (<c>initialSync</c>, <c>exclude</c>) applies to every bind mount of the
    /// service; compose itself ignores <c>x-</c> keys.
    /// </summary>
    private void ApplySyncOptions(ServiceDraft draft, YNode node, string path)
    {
        if (r.Mapping(node, path, "a mapping with initialSync and/or exclude") is not { } mapping)
        {
            return;
        }

        var initial = false;
        IReadOnlyList<string> excludes = [];
        foreach (var (key, value) in mapping.Entries)
        {
            var keyPath = NodeReader.Join(path, key.Value);
            switch (key.Value)
            {
                case "initialSync":
                    initial = r.Bool(value, keyPath) == true;
                    break;
                case "exclude":
                    excludes = r.StringList(value, keyPath, allowSingle: true) ?? [];
                    break;
                default:
                    r.Warning(key, keyPath, $"unknown x-yak option, ignored{DidYouMean.Hint(key.Value, ComposeKeys.YakExtension)}");
                    break;
            }
        }

        if (draft.Syncs.Count == 0)
        {
            r.Warning(mapping, path, "x-yak sync options are ignored: the service has no bind mounts");
            return;
        }

        for (var i = 0; i < draft.Syncs.Count; i++)
        {
            var sync = draft.Syncs[i];
            draft.Syncs[i] = sync with { Value = sync.Value with { InitialSync = initial, Excludes = [.. sync.Value.Excludes, .. excludes] } };
        }
    }

    private void WarnSharedVolumes(List<ServiceDraft> services)
    {
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            foreach (var volume in service.Volumes)
            {
                if (users.TryGetValue(volume.Value.Name, out var first) && first != service.Name)
                {
                    r.Warning(volume.Node, volume.Path, $"volume \"{volume.Value.Name}\" is also used by {first}; on Kubernetes each service gets its own copy");
                }
                else
                {
                    users.TryAdd(volume.Value.Name, service.Name);
                }
            }
        }
    }
}
