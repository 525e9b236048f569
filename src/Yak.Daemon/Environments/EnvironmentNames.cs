using System.Globalization;

namespace Yak.Daemon.Environments;

/// <summary>Names derived from an environment: label selector text, sync session names.</summary>
internal static class EnvironmentNames
{
    public static string SelectorText(IReadOnlyDictionary<string, string> selector) =>
        string.Join(',', selector.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));

    public static string SessionName(string environment, string service, int index)
    {
        var name = $"{environment}.{service}.{index.ToString(CultureInfo.InvariantCulture)}";
        return name.Length <= 63 ? name : $"{name[..54]}.{Yak.Environments.Naming.KubeNames.Hash(name)}";
    }
}
