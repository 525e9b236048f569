using Yak.Environments.Spec;
using Yak.Environments.Validation;
using Yak.Environments.Yaml;
using static Yak.Environments.Schema.YakKeys;

namespace Yak.Environments.Loading;

/// <summary>Turns a yak.yaml document into an <see cref="EnvironmentSpec"/>, reporting every problem at its node.</summary>
internal sealed class YakSpecReader(NodeReader r, string sourceFile)
{
    private readonly string baseDirectory = Path.GetDirectoryName(sourceFile) ?? ".";

    public EnvironmentSpec? Read(YNode? root)
    {
        if (root is null)
        {
            r.Bag.Error(new SourceMark(1, 1), string.Empty, "expected a mapping with \"services\", got an empty document");
            return null;
        }

        var mapping = r.Mapping(root, string.Empty, "a mapping with \"name\" and \"services\"");
        if (mapping is null)
        {
            return null;
        }

        r.CheckKeys(mapping, string.Empty, Objects[Root], "the environment");
        var name = ReadName(mapping);
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

            foreach (var (key, value) in servicesMap.Entries)
            {
                services.Add(ReadService(key, value));
            }
        }

        var agentBaseImage = ReadAgentBaseImage(mapping);
        SpecValidator.Validate(services, r, compose: false);
        foreach (var service in services)
        {
            YakDebugReader.Check(service, r);
        }

        return r.Bag.HasErrors || name is null ? null : new EnvironmentSpec(name, sourceFile, SpecFormat.Yak, [.. services.Select(s => s.ToSpec())], agentBaseImage);
    }

    private string? ReadAgentBaseImage(YMapping root)
    {
        if (root["agent"] is not { } node || r.Mapping(node, "agent", "a mapping with \"baseImage\"") is not { } agent)
        {
            return null;
        }

        r.CheckKeys(agent, "agent", Objects[Agent], "agent");
        if (agent["baseImage"] is not { } imageNode || r.String(imageNode, "agent.baseImage", "an image reference") is not { } image)
        {
            return null;
        }

        if (image.Length is 0 or > 512 || image.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            r.Error(imageNode, "agent.baseImage", $"expected an image reference such as docker.io/library/busybox:1.37.0, got \"{image}\"");
            return null;
        }

        return image;
    }

    private string? ReadName(YMapping mapping)
    {
        if (mapping["name"] is not { } node)
        {
            return Naming.KubeNames.Label(Path.GetFileName(baseDirectory.TrimEnd('/', '\\')), 40);
        }

        var name = r.String(node, "name", "an environment name");
        if (name is not null && !Rules.IsDnsLabel(name))
        {
            r.Error(node, "name", $"expected an environment name of lowercase letters, digits and '-' (at most 63), got \"{name}\"");
            return null;
        }

        return name;
    }

    private ServiceDraft ReadService(YScalar key, YNode node)
    {
        var path = NodeReader.Join("services", key.Value);
        var draft = new ServiceDraft(key.Value, key, node, path);
        var mapping = r.Mapping(node, path, "a service mapping with at least \"image\"");
        if (mapping is null)
        {
            return draft;
        }

        r.CheckKeys(mapping, path, Objects[Service], "a service");
        if (mapping["image"] is { } image)
        {
            draft.Image = r.NonEmpty(image, NodeReader.Join(path, "image"), "an image reference");
        }
        else
        {
            r.Error(mapping, path, "missing required key \"image\"");
        }

        foreach (var (k, value) in mapping.Entries)
        {
            var p = NodeReader.Join(path, k.Value);
            switch (k.Value)
            {
                case "command":
                    draft.Command = CommonReaders.Command(r, value, p);
                    break;
                case "args":
                    draft.Args = CommonReaders.Command(r, value, p);
                    break;
                case "workingDir":
                    draft.WorkingDir = AbsolutePath(value, p);
                    break;
                case "env":
                    draft.Env = CommonReaders.Env(r, value, p, compose: false) ?? [];
                    break;
                case "ports":
                    ForEach(value, p, (item, ip) =>
                    {
                        if (ReadPort(item, ip) is { } port)
                        {
                            draft.Ports.Add(new(port, item, ip));
                        }
                    });
                    break;
                case "sync":
                    ForEach(value, p, (item, ip) =>
                    {
                        if (ReadSync(item, ip) is { } sync)
                        {
                            draft.Syncs.Add(new(sync, item, ip));
                        }
                    });
                    break;
                case "volumes":
                    ForEach(value, p, (item, ip) =>
                    {
                        if (ReadVolume(item, ip) is { } volume)
                        {
                            draft.Volumes.Add(new(volume, item, ip));
                        }
                    });
                    break;
                case "readiness":
                    draft.Readiness = new YakReadinessReader(r).Read(value, p);
                    break;
                case "dependsOn":
                    ReadDependsOn(draft, value, p);
                    break;
                case "resources":
                    draft.Resources = new YakReadinessReader(r).ReadResources(value, p) ?? ResourceSpec.None;
                    break;
                case "replicas":
                    draft.Replicas = r.Int(value, p, 0, 100) ?? 1;
                    break;
                case "debug":
                    draft.DebugNode = value;
                    draft.Debug.AddRange(new YakDebugReader(r).Read(value, p));
                    break;
                default:
                    break;
            }
        }

        return draft;
    }

    private void ForEach(YNode node, string path, Action<YNode, string> read)
    {
        if (r.Sequence(node, path) is { } sequence)
        {
            for (var i = 0; i < sequence.Items.Count; i++)
            {
                read(sequence.Items[i], NodeReader.Index(path, i));
            }
        }
    }

    private void ReadDependsOn(ServiceDraft draft, YNode node, string path)
    {
        if (node is YScalar { IsNull: false } single)
        {
            draft.DependsOn.Add(new(single.Value, single, path));
            return;
        }

        ForEach(node, path, (item, ip) =>
        {
            if (r.String(item, ip, "a service name") is { } dep)
            {
                draft.DependsOn.Add(new(dep, item, ip));
            }
        });
    }

    private PortSpec? ReadPort(YNode node, string path)
    {
        if (node is YScalar { IsNull: false } scalar)
        {
            var port = CommonReaders.PortString(scalar.Value, sameLocalWhenSingle: false, out var hostIp, out var problem);
            if (port is not null && hostIp is null)
            {
                return port;
            }

            r.Error(node, path, problem ?? $"expected {CommonReaders.PortExpectation}, got \"{scalar.Value}\"");
            return null;
        }

        var mapping = r.Mapping(node, path, $"{CommonReaders.PortExpectation} or {{port, local, protocol, name}}");
        if (mapping is null)
        {
            return null;
        }

        r.CheckKeys(mapping, path, Objects[Port], "a port");
        var container = mapping["port"] is { } p ? r.Int(p, NodeReader.Join(path, "port"), 1, 65535, "a port number 1-65535") : null;
        if (mapping["port"] is null)
        {
            r.Error(mapping, path, "missing required key \"port\"");
        }

        var local = mapping["local"] is { } l ? r.Int(l, NodeReader.Join(path, "local"), 1, 65535, "a local port number 1-65535") : null;
        var protocol = PortProtocol.Tcp;
        if (mapping["protocol"] is { } proto && r.String(proto, NodeReader.Join(path, "protocol")) is { } protoText)
        {
            protocol = protoText.ToUpperInvariant() switch
            {
                "TCP" => PortProtocol.Tcp,
                "UDP" => PortProtocol.Udp,
                _ => Fail(proto, NodeReader.Join(path, "protocol"), $"expected TCP or UDP, got \"{protoText}\""),
            };
        }

        string? name = null;
        if (mapping["name"] is { } n && r.String(n, NodeReader.Join(path, "name")) is { } nameText)
        {
            name = Rules.IsPortName(nameText) ? nameText : null;
            if (name is null)
            {
                r.Error(n, NodeReader.Join(path, "name"), $"expected a port name of lowercase letters, digits and '-' (at most 15, with a letter), got \"{nameText}\"");
            }
        }

        return container is { } c ? new PortSpec(c, local, protocol, name) : null;
    }

    private PortProtocol Fail(YNode node, string path, string message)
    {
        r.Error(node, path, message);
        return PortProtocol.Tcp;
    }

    private SyncSpec? ReadSync(YNode node, string path)
    {
        if (node is YScalar { IsNull: false } scalar)
        {
            var colon = scalar.Value.LastIndexOf(':');
            if (colon <= 0 || colon == scalar.Value.Length - 1)
            {
                r.Error(node, path, $"expected \"LOCAL:CONTAINER\" (e.g. \"./src:/app\") or {{from, to, exclude, initialSync}}, got \"{scalar.Value}\"");
                return null;
            }

            var local = LocalFolder(node, path, scalar.Value[..colon]);
            var target = CheckAbsolute(node, path, scalar.Value[(colon + 1)..]);
            return local is null || target is null ? null : new SyncSpec(local, target, [], InitialSync: false, ReadOnly: false);
        }

        var mapping = r.Mapping(node, path, "\"LOCAL:CONTAINER\" or {from, to, exclude, initialSync}");
        if (mapping is null)
        {
            return null;
        }

        r.CheckKeys(mapping, path, Objects[Sync], "a sync mapping");
        var from = Required(mapping, path, "from") is { } f && r.NonEmpty(f, NodeReader.Join(path, "from"), "a local folder") is { } fromText
            ? LocalFolder(f, NodeReader.Join(path, "from"), fromText) : null;
        var to = Required(mapping, path, "to") is { } t ? AbsolutePath(t, NodeReader.Join(path, "to")) : null;
        var excludes = mapping["exclude"] is { } e ? r.StringList(e, NodeReader.Join(path, "exclude"), allowSingle: true) : [];
        var initial = mapping["initialSync"] is { } i && r.Bool(i, NodeReader.Join(path, "initialSync")) == true;
        var readOnly = mapping["readOnly"] is { } ro && r.Bool(ro, NodeReader.Join(path, "readOnly")) == true;
        return from is null || to is null || excludes is null ? null : new SyncSpec(from, to, excludes, initial, readOnly);
    }

    private VolumeSpec? ReadVolume(YNode node, string path)
    {
        if (node is YScalar { IsNull: false } scalar)
        {
            var colon = scalar.Value.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                r.Error(node, path, $"expected \"NAME:/mount/path\" or {{name, size, mountPath}}, got \"{scalar.Value}\"");
                return null;
            }

            var volumeName = CheckVolumeName(node, path, scalar.Value[..colon]);
            var mount = CheckAbsolute(node, path, scalar.Value[(colon + 1)..]);
            return volumeName is null || mount is null ? null : new VolumeSpec(volumeName, "1Gi", mount);
        }

        var mapping = r.Mapping(node, path, "\"NAME:/mount/path\" or {name, size, mountPath}");
        if (mapping is null)
        {
            return null;
        }

        r.CheckKeys(mapping, path, Objects[Volume], "a volume");
        var name = Required(mapping, path, "name") is { } n && r.String(n, NodeReader.Join(path, "name")) is { } nameText
            ? CheckVolumeName(n, NodeReader.Join(path, "name"), nameText) : null;
        var mountPath = Required(mapping, path, "mountPath") is { } m ? AbsolutePath(m, NodeReader.Join(path, "mountPath")) : null;
        var size = "1Gi";
        if (mapping["size"] is { } s)
        {
            var sizeText = r.String(s, NodeReader.Join(path, "size"), "a size such as 1Gi or 500Mi");
            if (sizeText is not null && !Rules.IsQuantity(sizeText))
            {
                r.Error(s, NodeReader.Join(path, "size"), $"expected a size such as 1Gi or 500Mi, got \"{sizeText}\"");
                sizeText = null;
            }

            size = sizeText ?? size;
        }

        return name is null || mountPath is null ? null : new VolumeSpec(name, size, mountPath);
    }

    private string? CheckVolumeName(YNode node, string path, string name)
    {
        if (Rules.IsDnsLabel(name) && name.Length <= 40)
        {
            return name;
        }

        r.Error(node, path, $"expected a volume name of lowercase letters, digits and '-' (at most 40), got \"{name}\"");
        return null;
    }

    private YNode? Required(YMapping mapping, string path, string key)
    {
        if (mapping[key] is { } node)
        {
            return node;
        }

        r.Error(mapping, path, $"missing required key \"{key}\"");
        return null;
    }

    private string? AbsolutePath(YNode node, string path) =>
        r.String(node, path, "an absolute container path") is { } text ? CheckAbsolute(node, path, text) : null;

    private string? CheckAbsolute(YNode node, string path, string text)
    {
        if (Rules.IsAbsoluteContainerPath(text))
        {
            return text;
        }

        r.Error(node, path, $"expected an absolute container path (starting with '/', without '..'), got \"{text}\"");
        return null;
    }

    private string? LocalFolder(YNode node, string path, string text)
    {
        var full = Path.GetFullPath(Path.Combine(baseDirectory, text));
        if (Directory.Exists(full))
        {
            return full;
        }

        r.Error(node, path, File.Exists(full) ? $"expected a local folder, \"{text}\" is a file" : $"local folder \"{text}\" does not exist (resolved to {full})");
        return null;
    }
}
