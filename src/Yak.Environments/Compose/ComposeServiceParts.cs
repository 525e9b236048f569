using Yak.Environments.Diagnostics;
using Yak.Environments.Loading;
using Yak.Environments.Spec;
using Yak.Environments.Validation;
using Yak.Environments.Yaml;

namespace Yak.Environments.Compose;

/// <summary>Reads the parts of a compose service that need more than a scalar: ports, volumes, env files, healthcheck.</summary>
internal sealed class ComposeServiceParts(NodeReader r, string baseDirectory, IReadOnlyDictionary<string, string> namedVolumes)
{
    public void Ports(ServiceDraft draft, YNode node, string path, bool expose)
    {
        if (r.Sequence(node, path) is not { } sequence)
        {
            return;
        }

        for (var i = 0; i < sequence.Items.Count; i++)
        {
            var item = sequence.Items[i];
            var itemPath = NodeReader.Index(path, i);
            if (item is YMapping mapping && !expose)
            {
                if (LongPort(mapping, itemPath) is { } longPort)
                {
                    draft.Ports.Add(new(longPort, item, itemPath));
                }

                continue;
            }

            var text = r.String(item, itemPath, expose ? "a port number" : CommonReaders.PortExpectation);
            if (text is null)
            {
                continue;
            }

            var port = CommonReaders.PortString(text, sameLocalWhenSingle: !expose, out var hostIp, out var problem);
            if (port is null || (expose && port.LocalPort is not null))
            {
                r.Error(item, itemPath, problem ?? $"expected {(expose ? "a port number 1-65535" : CommonReaders.PortExpectation)}, got \"{text}\"");
                continue;
            }

            WarnHostIp(item, itemPath, hostIp);
            draft.Ports.Add(new(expose ? port with { LocalPort = null } : port, item, itemPath));
        }
    }

    private PortSpec? LongPort(YMapping mapping, string path)
    {
        foreach (var (key, _) in mapping.Entries.Where(e => !ComposeKeys.PortLong.Contains(e.Key.Value)))
        {
            r.Warning(key, NodeReader.Join(path, key.Value), $"unknown port option, ignored{DidYouMean.Hint(key.Value, ComposeKeys.PortLong)}");
        }

        if (mapping["target"] is not { } targetNode)
        {
            r.Error(mapping, path, "missing required key \"target\"");
            return null;
        }

        var target = r.Int(targetNode, NodeReader.Join(path, "target"), 1, 65535, "a port number 1-65535");
        int? published = null;
        if (mapping["published"] is { } publishedNode && r.String(publishedNode, NodeReader.Join(path, "published")) is { } text)
        {
            published = CommonReaders.IsPort(text, out var p) ? p : null;
            if (published is null)
            {
                r.Error(publishedNode, NodeReader.Join(path, "published"), $"expected a port number 1-65535, got \"{text}\"");
            }
        }

        var protocol = PortProtocol.Tcp;
        if (mapping["protocol"] is { } protoNode && r.String(protoNode, NodeReader.Join(path, "protocol")) is { } proto)
        {
            protocol = proto.Equals("udp", StringComparison.OrdinalIgnoreCase) ? PortProtocol.Udp : PortProtocol.Tcp;
            if (!proto.Equals("udp", StringComparison.OrdinalIgnoreCase) && !proto.Equals("tcp", StringComparison.OrdinalIgnoreCase))
            {
                r.Error(protoNode, NodeReader.Join(path, "protocol"), $"expected tcp or udp, got \"{proto}\"");
            }
        }

        if (mapping["host_ip"] is { } ipNode)
        {
            WarnHostIp(ipNode, NodeReader.Join(path, "host_ip"), r.String(ipNode, NodeReader.Join(path, "host_ip")));
        }

        string? name = null;
        if (mapping["name"] is { } nameNode && r.String(nameNode, NodeReader.Join(path, "name")) is { } nameText)
        {
            name = Rules.IsPortName(nameText) ? nameText : null;
            if (name is null)
            {
                r.Warning(nameNode, NodeReader.Join(path, "name"), $"port name \"{nameText}\" is not a valid Kubernetes port name and is ignored");
            }
        }

        return target is { } t ? new PortSpec(t, published ?? t, protocol, name) : null;
    }

    private void WarnHostIp(YNode node, string path, string? hostIp)
    {
        if (hostIp is { Length: > 0 } and not ("127.0.0.1" or "localhost" or "::1"))
        {
            r.Warning(node, path, $"host IP {hostIp} is ignored: yak forwards to 127.0.0.1 only");
        }
    }

    public void Volumes(ServiceDraft draft, YNode node, string path)
    {
        if (r.Sequence(node, path) is not { } sequence)
        {
            return;
        }

        for (var i = 0; i < sequence.Items.Count; i++)
        {
            var item = sequence.Items[i];
            var itemPath = NodeReader.Index(path, i);
            string? type, source, target;
            var readOnly = false;
            if (item is YMapping mapping)
            {
                foreach (var (key, _) in mapping.Entries.Where(e => !ComposeKeys.VolumeLong.Contains(e.Key.Value) || e.Key.Value is "bind" or "volume" or "tmpfs" or "consistency"))
                {
                    r.Warning(key, NodeReader.Join(itemPath, key.Value), ComposeKeys.VolumeLong.Contains(key.Value)
                        ? $"\"{key.Value}\" is not supported by yak and is ignored"
                        : $"unknown volume option, ignored{DidYouMean.Hint(key.Value, ComposeKeys.VolumeLong)}");
                }

                type = mapping["type"] is { } t ? r.String(t, NodeReader.Join(itemPath, "type")) : null;
                source = mapping["source"] is { } s ? r.String(s, NodeReader.Join(itemPath, "source")) : null;
                target = mapping["target"] is { } tg ? r.String(tg, NodeReader.Join(itemPath, "target")) : null;
                readOnly = mapping["read_only"] is { } ro && r.Bool(ro, NodeReader.Join(itemPath, "read_only")) == true;
                if (target is null)
                {
                    r.Error(mapping, itemPath, "missing required key \"target\"");
                    continue;
                }

                type ??= source is null ? "volume" : IsHostPath(source) ? "bind" : "volume";
            }
            else if (r.String(item, itemPath, "\"SOURCE:TARGET[:ro]\" or a long-form mapping") is { } text)
            {
                var parts = text.Split(':');
                if (parts.Length > 3 || parts.Any(p => p.Length == 0))
                {
                    r.Error(item, itemPath, $"expected \"SOURCE:TARGET[:ro]\", got \"{text}\"");
                    continue;
                }

                source = parts.Length == 1 ? null : parts[0];
                target = parts.Length == 1 ? parts[0] : parts[1];
                readOnly = parts.Length == 3 && parts[2].Split(',').Contains("ro");
                type = source is null ? "volume" : IsHostPath(source) ? "bind" : "volume";
            }
            else
            {
                continue;
            }

            AddMount(draft, item, itemPath, type ?? "volume", source, target, readOnly);
        }
    }

    private void AddMount(ServiceDraft draft, YNode item, string path, string type, string? source, string target, bool readOnly)
    {
        if (!Rules.IsAbsoluteContainerPath(target))
        {
            r.Error(item, path, $"expected an absolute container path as the target, got \"{target}\"");
            return;
        }

        switch (type)
        {
            case "bind" when source is not null:
                var local = Path.GetFullPath(Path.Combine(baseDirectory, ExpandHome(source)));
                if (File.Exists(local))
                {
                    r.Warning(item, path, $"\"{source}\" is a file; yak syncs folders only, so this mount is ignored");
                }
                else if (!Directory.Exists(local))
                {
                    r.Error(item, path, $"local folder \"{source}\" does not exist (resolved to {local})");
                }
                else
                {
                    draft.Syncs.Add(new(new SyncSpec(local, target, [], InitialSync: false, readOnly), item, path));
                }

                break;
            case "volume" when source is null:
                r.Warning(item, path, $"anonymous volume at {target} is ignored; name it (and declare it under top-level volumes) to keep its data");
                break;
            case "volume":
                if (!namedVolumes.TryGetValue(source!, out var size))
                {
                    r.Error(item, path, $"volume \"{source}\" is not declared under the top-level volumes{DidYouMean.Hint(source!, namedVolumes.Keys)}");
                    return;
                }

                if (readOnly)
                {
                    r.Warning(item, path, "read-only named volumes are mounted read-write by yak");
                }

                draft.Volumes.Add(new(new VolumeSpec(Naming.KubeNames.Label(source!, 40), size, target), item, path));
                break;
            default:
                r.Warning(item, path, $"volume type \"{type}\" is not supported by yak and is ignored");
                break;
        }
    }

    private static bool IsHostPath(string source) => source.StartsWith('.') || source.StartsWith('/') || source.StartsWith('~');

    private static string ExpandHome(string source) =>
        source.StartsWith('~') ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + source[1..] : source;

    public ReadinessSpec? Healthcheck(YNode node, string path)
    {
        if (r.Mapping(node, path, "a healthcheck mapping") is not { } mapping)
        {
            return null;
        }

        foreach (var (key, _) in mapping.Entries.Where(e => !ComposeKeys.Healthcheck.Contains(e.Key.Value) || e.Key.Value == "start_interval"))
        {
            r.Warning(key, NodeReader.Join(path, key.Value), key.Value == "start_interval"
                ? "\"start_interval\" is not supported by yak and is ignored"
                : $"unknown healthcheck option, ignored{DidYouMean.Hint(key.Value, ComposeKeys.Healthcheck)}");
        }

        if (mapping["disable"] is { } disable && r.Bool(disable, NodeReader.Join(path, "disable")) == true)
        {
            return null;
        }

        if (mapping["test"] is not { } testNode)
        {
            r.Error(mapping, path, "missing required key \"test\"");
            return null;
        }

        var testPath = NodeReader.Join(path, "test");
        IReadOnlyList<string>? exec = null;
        if (testNode is YScalar { IsNull: false } shell)
        {
            exec = ["sh", "-c", shell.Value];
        }
        else if (r.StringList(testNode, testPath) is { Count: > 0 } test)
        {
            exec = test[0] switch
            {
                "NONE" => [],
                "CMD" when test.Count > 1 => [.. test.Skip(1)],
                "CMD-SHELL" when test.Count == 2 => ["sh", "-c", test[1]],
                _ => null,
            };
            if (exec is null)
            {
                r.Error(testNode, testPath, $"expected [\"CMD\", command…], [\"CMD-SHELL\", \"command\"] or [\"NONE\"], got [{string.Join(", ", test.Select(t => $"\"{t}\""))}]");
            }
        }

        var period = Duration(mapping, path, "interval");
        var timeout = Duration(mapping, path, "timeout");
        var delay = Duration(mapping, path, "start_period");
        var retries = mapping["retries"] is { } retriesNode ? r.Int(retriesNode, NodeReader.Join(path, "retries"), 1, 1000) : null;
        return exec is null or { Count: 0 } ? null : new ReadinessSpec(null, null, exec, period, retries, delay, timeout);
    }

    private int? Duration(YMapping mapping, string path, string key)
    {
        if (mapping[key] is not { } node || r.String(node, NodeReader.Join(path, key), "a duration such as 10s or 1m30s") is not { } text)
        {
            return null;
        }

        var seconds = CommonReaders.DurationSeconds(text);
        if (seconds is null)
        {
            r.Error(node, NodeReader.Join(path, key), $"expected a duration such as 10s or 1m30s, got \"{text}\"");
        }

        return seconds;
    }

    public List<EnvVar> EnvFiles(YNode node, string path)
    {
        var result = new List<EnvVar>();
        var items = node is YSequence seq ? seq.Items.Select((n, i) => (n, NodeReader.Index(path, i))).ToList() : [(node, path)];
        foreach (var (item, itemPath) in items)
        {
            string? file;
            var required = true;
            if (item is YMapping mapping)
            {
                file = mapping["path"] is { } p ? r.String(p, NodeReader.Join(itemPath, "path")) : null;
                required = mapping["required"] is not { } req || r.Bool(req, NodeReader.Join(itemPath, "required")) != false;
                if (mapping["path"] is null)
                {
                    r.Error(mapping, itemPath, "missing required key \"path\"");
                }
            }
            else
            {
                file = r.String(item, itemPath, "an env file path");
            }

            if (file is null)
            {
                continue;
            }

            var full = Path.GetFullPath(Path.Combine(baseDirectory, file));
            if (!File.Exists(full))
            {
                if (required)
                {
                    r.Error(item, itemPath, $"env file \"{file}\" does not exist (resolved to {full})");
                }

                continue;
            }

            result = CommonReaders.Merge(result, EnvFileParser.Parse(full, file, r.Bag, item.Start));
        }

        return result;
    }
}
