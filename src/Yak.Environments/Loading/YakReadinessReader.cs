using Yak.Environments.Spec;
using Yak.Environments.Validation;
using Yak.Environments.Yaml;
using static Yak.Environments.Schema.YakKeys;

namespace Yak.Environments.Loading;

/// <summary>Reads a yak.yaml service's <c>readiness</c> and <c>resources</c>.</summary>
internal sealed class YakReadinessReader(NodeReader r)
{
    public ReadinessSpec? Read(YNode node, string path)
    {
        var mapping = r.Mapping(node, path, "a mapping with one of httpGet, tcp or exec");
        if (mapping is null)
        {
            return null;
        }

        r.CheckKeys(mapping, path, Objects[Readiness], "readiness");
        var kinds = mapping.Entries.Where(e => e.Key.Value is "httpGet" or "tcp" or "exec").ToList();
        if (kinds.Count != 1)
        {
            r.Error(kinds.Count > 1 ? kinds[1].Key : mapping, path, kinds.Count == 0
                ? "expected one of httpGet, tcp or exec"
                : $"expected only one of httpGet, tcp or exec, got {string.Join(" and ", kinds.Select(k => k.Key.Value))}");
            return null;
        }

        HttpGetCheck? http = null;
        int? tcp = null;
        IReadOnlyList<string>? exec = null;
        var ok = true;
        var (kindKey, value) = kinds[0];
        var kindPath = NodeReader.Join(path, kindKey.Value);
        switch (kindKey.Value)
        {
            case "httpGet":
                if (r.Mapping(value, kindPath, "{path, port}") is { } httpMap)
                {
                    r.CheckKeys(httpMap, kindPath, Objects[HttpGet], "httpGet");
                    var checkPath = "/";
                    if (httpMap["path"] is { } p && r.String(p, NodeReader.Join(kindPath, "path")) is { } pathText)
                    {
                        checkPath = pathText.StartsWith('/') ? pathText : Fail(p, NodeReader.Join(kindPath, "path"), $"expected a URL path starting with '/', got \"{pathText}\"");
                    }

                    var port = Port(httpMap, kindPath);
                    http = port is { } pn ? new HttpGetCheck(checkPath, pn) : null;
                }

                ok = http is not null;
                break;
            case "tcp":
                if (value is YScalar { IsNull: false })
                {
                    tcp = r.Int(value, kindPath, 1, 65535, "a port number 1-65535 or {port}");
                }
                else if (r.Mapping(value, kindPath, "a port number 1-65535 or {port}") is { } tcpMap)
                {
                    r.CheckKeys(tcpMap, kindPath, Objects[Tcp], "tcp");
                    tcp = Port(tcpMap, kindPath);
                }

                ok = tcp is not null;
                break;
            default:
                exec = CommonReaders.Command(r, value, kindPath);
                if (exec is { Count: 0 })
                {
                    r.Error(value, kindPath, "expected a command, got an empty list");
                    exec = null;
                }

                ok = exec is not null;
                break;
        }

        var period = Seconds(mapping, path, "periodSeconds", 1);
        var failures = Seconds(mapping, path, "failureThreshold", 1);
        var delay = Seconds(mapping, path, "initialDelaySeconds", 0);
        var timeout = Seconds(mapping, path, "timeoutSeconds", 1);
        return ok ? new ReadinessSpec(http, tcp, exec, period, failures, delay, timeout) : null;
    }

    public ResourceSpec? ReadResources(YNode node, string path)
    {
        var mapping = r.Mapping(node, path, "a mapping with requests and/or limits");
        if (mapping is null)
        {
            return null;
        }

        r.CheckKeys(mapping, path, Objects[Resources], "resources");
        var (cpuRequest, memoryRequest) = Amounts(mapping, path, "requests");
        var (cpuLimit, memoryLimit) = Amounts(mapping, path, "limits");
        return new ResourceSpec(cpuRequest, memoryRequest, cpuLimit, memoryLimit);
    }

    private (string? Cpu, string? Memory) Amounts(YMapping parent, string parentPath, string key)
    {
        var path = NodeReader.Join(parentPath, key);
        if (parent[key] is not { } node || r.Mapping(node, path, "a mapping with cpu and/or memory") is not { } mapping)
        {
            return (null, null);
        }

        r.CheckKeys(mapping, path, Objects[ResourceAmounts], key);
        return (Quantity(mapping, path, "cpu", "a CPU amount such as 250m or 1"), Quantity(mapping, path, "memory", "a memory amount such as 256Mi or 1Gi"));
    }

    private string? Quantity(YMapping mapping, string parentPath, string key, string expected)
    {
        if (mapping[key] is not { } node)
        {
            return null;
        }

        var path = NodeReader.Join(parentPath, key);
        var text = r.String(node, path, expected);
        if (text is not null && !Rules.IsQuantity(text))
        {
            r.Error(node, path, $"expected {expected}, got \"{text}\"");
            return null;
        }

        return text;
    }

    private int? Port(YMapping mapping, string path)
    {
        if (mapping["port"] is { } port)
        {
            return r.Int(port, NodeReader.Join(path, "port"), 1, 65535, "a port number 1-65535");
        }

        r.Error(mapping, path, "missing required key \"port\"");
        return null;
    }

    private int? Seconds(YMapping mapping, string path, string key, int min) =>
        mapping[key] is { } node ? r.Int(node, NodeReader.Join(path, key), min, 3600) : null;

    private string Fail(YNode node, string path, string message)
    {
        r.Error(node, path, message);
        return "/";
    }
}
