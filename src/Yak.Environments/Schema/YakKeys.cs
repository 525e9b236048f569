namespace Yak.Environments.Schema;

/// <summary>
/// The one table of keys yak.yaml accepts, per kind of object. The loader rejects any other key (with a
/// did-you-mean), and a test holds <c>Schema/yak.schema.json</c> to exactly these keys: the root object's
/// <c>properties</c> for <see cref="Root"/> and <c>$defs/&lt;name&gt;/properties</c> for the others.
/// Keys starting with <c>x-</c> are extensions and ignored everywhere.
/// </summary>
public static class YakKeys
{
    public const string Root = "root";
    public const string Service = "service";
    public const string Agent = "agent";
    public const string Port = "port";
    public const string Sync = "sync";
    public const string Volume = "volume";
    public const string Readiness = "readiness";
    public const string HttpGet = "httpGet";
    public const string Tcp = "tcp";
    public const string Resources = "resources";
    public const string ResourceAmounts = "resourceAmounts";
    public const string EnvEntry = "envEntry";
    public const string DebugEntry = "debugProfile";

    /// <summary>Object kind → its keys, in documentation order.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Objects { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        [Root] = ["name", "services", "agent"],
        [Agent] = ["baseImage"],
        [Service] = ["image", "command", "args", "workingDir", "env", "ports", "sync", "volumes", "readiness", "dependsOn", "resources", "replicas", "debug"],
        [Port] = ["port", "local", "protocol", "name"],
        [Sync] = ["from", "to", "exclude", "initialSync", "readOnly"],
        [Volume] = ["name", "size", "mountPath"],
        [Readiness] = ["httpGet", "tcp", "exec", "periodSeconds", "failureThreshold", "initialDelaySeconds", "timeoutSeconds"],
        [HttpGet] = ["path", "port"],
        [Tcp] = ["port"],
        [Resources] = ["requests", "limits"],
        [ResourceAmounts] = ["cpu", "memory"],
        [EnvEntry] = ["name", "value"],
        [DebugEntry] = ["runtime", "port", "local", "command", "env"],
    };

    /// <summary>True for extension keys (<c>x-…</c>), which every object accepts and yak ignores.</summary>
    public static bool IsExtension(string key) => key.StartsWith("x-", StringComparison.Ordinal);
}
