using System.Globalization;
using System.Net;
using System.Text;
using Yak.LocalCluster.Runtime;

namespace Yak.LocalCluster.Networking;

/// <summary>
/// The nftables table in a pod's network namespace that sends each ClusterIP:port to the pod's proxy listener on
/// 127.0.0.1 (DNAT on locally generated packets, as kube-proxy's nftables mode does for a node). Rewritten whole on
/// every change, in one <c>nft -f</c> transaction, so a pod never sees half a rule set.
/// </summary>
internal static class ServiceRules
{
    public const string Table = "yak_services";

    /// <summary>Replaces the pod's table with these mappings; false (and why) when nft is missing or refuses.</summary>
    public static bool TryApply(int holderPid, IReadOnlyList<(string ClusterIp, int Port, int LocalPort)> mappings, out string why)
    {
        if (!HostCommand.IsOnPath("nft") || !HostCommand.IsOnPath("nsenter"))
        {
            why = "nft (nftables) or nsenter is missing";
            return false;
        }

        var script = Script(mappings);
        var (code, output) = HostCommand.RunAsync(
            "nsenter", ["-t", holderPid.ToString(CultureInfo.InvariantCulture), "-n", "nft", "-f", "-"], script, CancellationToken.None)
            .GetAwaiter().GetResult();
        why = code == 0 ? "" : $"nft failed: {output.Trim()}";
        return code == 0;
    }

    internal static string Script(IReadOnlyList<(string ClusterIp, int Port, int LocalPort)> mappings)
    {
        // "table …; delete table …" makes the delete succeed whether or not the table exists yet.
        var script = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"table ip {Table}\ndelete table ip {Table}\n")
            .Append(CultureInfo.InvariantCulture, $"table ip {Table} {{\n  chain output {{\n    type nat hook output priority -100; policy accept;\n");
        foreach (var (clusterIp, port, localPort) in mappings)
        {
            // The addresses are ours (the ClusterIP allocator), checked again so nothing else reaches the script.
            if (!IPAddress.TryParse(clusterIp, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            {
                continue;
            }

            script.Append(CultureInfo.InvariantCulture, $"    ip daddr {ip} tcp dport {port} dnat to 127.0.0.1:{localPort}\n");
        }

        return script.Append("  }\n}\n").ToString();
    }
}
