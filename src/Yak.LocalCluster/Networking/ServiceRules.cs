using System.Globalization;
using Yak.LocalCluster.Runtime;

namespace Yak.LocalCluster.Networking;

/// <summary>
/// The nftables table in a pod's network namespace that sends every TCP connection to the service range to the pod's
/// proxy listener on 127.0.0.1 (DNAT on locally generated packets, as kube-proxy's nftables mode does for a node).
/// One rule for the whole range, written once when the pod starts: Services that come and go change nothing here
/// (the proxy reads each connection's original ClusterIP:port back from conntrack).
/// </summary>
internal static class ServiceRules
{
    public const string Table = "yak_services";

    /// <summary>Installs the pod's table; false (and why) when nft is missing or refuses.</summary>
    public static bool TryApply(int holderPid, int localPort, out string why)
    {
        if (!HostCommand.IsOnPath("nft") || !HostCommand.IsOnPath("nsenter"))
        {
            why = "nft (nftables) or nsenter is missing";
            return false;
        }

        var script = Script(localPort);
        var (code, output) = HostCommand.RunAsync(
            "nsenter", ["-t", holderPid.ToString(CultureInfo.InvariantCulture), "-n", "nft", "-f", "-"], script, CancellationToken.None)
            .GetAwaiter().GetResult();
        why = code == 0 ? "" : $"nft failed: {output.Trim()}";
        return code == 0;
    }

    internal static string Script(int localPort) =>
        // "table …; delete table …" makes the delete succeed whether or not the table exists yet.
        string.Create(CultureInfo.InvariantCulture, $$"""
            table ip {{Table}}
            delete table ip {{Table}}
            table ip {{Table}} {
              chain output {
                type nat hook output priority -100; policy accept;
                ip daddr {{ServiceDirectory.ServiceCidr}} ip protocol tcp dnat to 127.0.0.1:{{localPort}}
              }
            }

            """);
}
