using Yak.Environments.Spec;
using Yak.Environments.Validation;
using Yak.Environments.Yaml;

namespace Yak.Environments.Loading;

/// <summary>Reads the values yak.yaml and docker-compose.yml share: commands, env, port strings, durations.</summary>
internal static class CommonReaders
{
    public const string PortExpectation = "a port number 1-65535 or \"LOCAL:REMOTE\"";

    /// <summary>A command as a list of words, or a string split like a shell would (no expansion).</summary>
    public static IReadOnlyList<string>? Command(NodeReader r, YNode node, string path)
    {
        if (node is YScalar { IsNull: false } scalar)
        {
            var words = ShellWords.Split(scalar.Value);
            if (words is null)
            {
                r.Error(node, path, "unclosed quote in command");
            }

            return words;
        }

        return r.StringList(node, path, allowSingle: false) is { } list ? list : null;
    }

    /// <summary>
    /// Environment as a mapping (<c>KEY: value</c>) or a list (<c>KEY=value</c>, or in yak.yaml <c>{name, value}</c>).
    /// A name without a value (<c>KEY</c>, <c>KEY:</c>) is an empty string with a warning in compose (yak does not pass the
    /// shell's environment through), and an error in yak.yaml.
    /// </summary>
    public static List<EnvVar>? Env(NodeReader r, YNode node, string path, bool compose)
    {
        var result = new List<EnvVar>();
        var ok = true;
        if (node is YMapping mapping)
        {
            foreach (var (key, value) in mapping.Entries)
            {
                var itemPath = NodeReader.Join(path, key.Value);
                ok &= CheckName(r, key, itemPath, key.Value);
                if (value is YScalar { IsNull: true })
                {
                    ok &= NoValue(r, value, itemPath, key.Value, compose);
                    result.Add(new EnvVar(key.Value, string.Empty));
                }
                else if (r.String(value, itemPath, "a string, number or boolean") is { } text)
                {
                    result.Add(new EnvVar(key.Value, text));
                }
                else
                {
                    ok = false;
                }
            }

            return ok ? result : null;
        }

        if (node is not YSequence sequence)
        {
            r.Expected(node, path, compose ? "a mapping or a list of \"KEY=value\"" : "a mapping of names to values or a list of \"NAME=value\" or {name, value}");
            return null;
        }

        for (var i = 0; i < sequence.Items.Count; i++)
        {
            var item = sequence.Items[i];
            var itemPath = NodeReader.Index(path, i);
            if (!compose && item is YMapping entry)
            {
                r.CheckKeys(entry, itemPath, Schema.YakKeys.Objects[Schema.YakKeys.EnvEntry], "an env entry");
                var name = entry["name"] is { } n ? r.NonEmpty(n, NodeReader.Join(itemPath, "name")) : null;
                var value = entry["value"] is { } v ? (v is YScalar { IsNull: true } ? string.Empty : r.String(v, NodeReader.Join(itemPath, "value"))) : string.Empty;
                if (entry["name"] is null)
                {
                    r.Error(entry, itemPath, "missing required key \"name\"");
                }

                if (name is null || value is null || !CheckName(r, entry["name"]!, NodeReader.Join(itemPath, "name"), name))
                {
                    ok = false;
                    continue;
                }

                result.Add(new EnvVar(name, value));
                continue;
            }

            var text = r.String(item, itemPath, compose ? "\"KEY=value\"" : "\"NAME=value\" or {name, value}");
            if (text is null)
            {
                ok = false;
                continue;
            }

            var equals = text.IndexOf('=', StringComparison.Ordinal);
            var varName = equals < 0 ? text : text[..equals];
            if (!CheckName(r, item, itemPath, varName))
            {
                ok = false;
                continue;
            }

            if (equals < 0)
            {
                ok &= NoValue(r, item, itemPath, varName, compose);
            }

            result.Add(new EnvVar(varName, equals < 0 ? string.Empty : text[(equals + 1)..]));
        }

        return ok ? result : null;
    }

    /// <summary>Merges later values over earlier ones, keeping first-seen order.</summary>
    public static List<EnvVar> Merge(IEnumerable<EnvVar> first, IEnumerable<EnvVar> second)
    {
        var result = first.ToList();
        foreach (var v in second)
        {
            var at = result.FindIndex(e => e.Name == v.Name);
            if (at >= 0)
            {
                result[at] = v;
            }
            else
            {
                result.Add(v);
            }
        }

        return result;
    }

    /// <summary>
    /// Parses <c>"8080"</c>, <c>"8080:80"</c> (LOCAL:CONTAINER), with an optional <c>/tcp</c> or <c>/udp</c>; compose also
    /// allows a host IP in front (<c>127.0.0.1:8080:80</c>), returned in <paramref name="hostIp"/>.
    /// </summary>
    public static PortSpec? PortString(string text, bool sameLocalWhenSingle, out string? hostIp, out string? problem)
    {
        hostIp = null;
        problem = null;
        var protocol = PortProtocol.Tcp;
        var slash = text.LastIndexOf('/');
        if (slash >= 0)
        {
            var proto = text[(slash + 1)..].ToLowerInvariant();
            if (proto is not ("tcp" or "udp"))
            {
                problem = $"unknown protocol \"{text[(slash + 1)..]}\" (expected tcp or udp)";
                return null;
            }

            protocol = proto == "udp" ? PortProtocol.Udp : PortProtocol.Tcp;
            text = text[..slash];
        }

        var colon = text.LastIndexOf(':');
        var remoteText = colon < 0 ? text : text[(colon + 1)..];
        var localText = colon < 0 ? null : text[..colon];
        if (localText is not null && localText.LastIndexOf(':') is var ipColon and >= 0)
        {
            hostIp = localText[..ipColon].Trim('[', ']');
            localText = localText[(ipColon + 1)..];
        }

        if (remoteText.Contains('-', StringComparison.Ordinal) || localText?.Contains('-', StringComparison.Ordinal) == true)
        {
            problem = "port ranges are not supported";
            return null;
        }

        if (!IsPort(remoteText, out var remote) || (localText is not null && localText.Length > 0 && !IsPort(localText, out _)))
        {
            return null;
        }

        int? local = localText is { Length: > 0 } ? int.Parse(localText, System.Globalization.CultureInfo.InvariantCulture) : sameLocalWhenSingle ? remote : null;
        return new PortSpec(remote, local, protocol, null);
    }

    public static bool IsPort(string text, out int port) => NodeReader.TryInt(text, out port) && port is >= 1 and <= 65535;

    /// <summary>Parses a compose duration (<c>30s</c>, <c>1m30s</c>, <c>500ms</c>, <c>1h</c>) into whole seconds (rounded up).</summary>
    public static int? DurationSeconds(string text)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text, @"^((\d+(\.\d+)?)(h|ms|m|s|us))+$");
        if (!match.Success)
        {
            return null;
        }

        double total = 0;
        foreach (System.Text.RegularExpressions.Capture capture in match.Groups[1].Captures)
        {
            var part = System.Text.RegularExpressions.Regex.Match(capture.Value, @"^(\d+(?:\.\d+)?)(h|ms|m|s|us)$");
            var amount = double.Parse(part.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            total += part.Groups[2].Value switch
            {
                "h" => amount * 3600,
                "m" => amount * 60,
                "s" => amount,
                "ms" => amount / 1000,
                _ => amount / 1_000_000,
            };
        }

        return (int)Math.Max(1, Math.Ceiling(total - 1e-9));
    }

    private static bool CheckName(NodeReader r, YNode node, string path, string name)
    {
        if (Rules.IsEnvName(name))
        {
            return true;
        }

        r.Error(node, path, $"expected an environment variable name (letters, digits, '_', '.', '-'; not starting with a digit), got \"{name}\"");
        return false;
    }

    private static bool NoValue(NodeReader r, YNode node, string path, string name, bool compose)
    {
        if (compose)
        {
            r.Warning(node, path, $"{name} has no value; yak does not pass your shell's environment through, so it is set to an empty string");
            return true;
        }

        r.Error(node, path, $"expected a value for {name}");
        return false;
    }
}
