using System.Globalization;
using System.Security.Cryptography;

namespace Yak.LocalCluster.Runtime;

/// <summary>
/// Gives a pod's network namespace an address the host and other pods can reach, without a bridge: a veth pair whose pod end
/// (<c>eth0</c>) holds <c>10.244.x.y/32</c> with a default route to the gateway <c>10.244.0.1</c>, and whose host end
/// holds the gateway address and a /32 route to the pod. Deleting the namespace (the holder exits) deletes the pair
/// and the route. Addresses are picked at random and a clash (another cluster on this host) is detected by the
/// kernel refusing the duplicate route. The service range is a local route on the pod's loopback, so ClusterIPs and
/// the cluster DNS answer inside the pod (<see cref="Networking.PodServiceProxy"/>) and nowhere else.
/// </summary>
internal static class PodNetwork
{
    public const string Gateway = "10.244.0.1";

    public static async Task<(string? PodIp, string? Error)> ConnectAsync(int holderPid, CancellationToken cancellationToken)
    {
        if (!HostCommand.IsOnPath("ip"))
        {
            return (null, "the ip tool (iproute2) is missing: the pod has no host-reachable IP; use port-forward");
        }

        var pid = holderPid.ToString(CultureInfo.InvariantCulture);
        var hostLink = "yk" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
        var (code, output) = await HostCommand.RunAsync(
            "ip",
            ["-batch", "-"],
            $"link add {hostLink} type veth peer name eth0 netns {pid}\naddress add {Gateway}/32 dev {hostLink}\nlink set {hostLink} up\n",
            cancellationToken).ConfigureAwait(false);
        if (code != 0)
        {
            return (null, $"could not create the pod's veth: {output.Trim()}");
        }

        // Pod-to-pod traffic is routed by the host: forwarding is switched on for packets arriving from this pod's
        // link only (the host's global ip_forward stays as it is). Read back, since the pod depends on it.
        var forwarding = $"/proc/sys/net/ipv4/conf/{hostLink}/forwarding";
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                File.WriteAllText(forwarding, "1");
                if (File.ReadAllText(forwarding).Trim() == "1")
                {
                    break;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Pods stay reachable from the host; only pod-to-pod over pod IPs needs this.
                break;
            }
        }

        for (var attempt = 0; attempt < 20; attempt++)
        {
            var bytes = RandomNumberGenerator.GetBytes(2);
            var podIp = $"10.244.{1 + (bytes[0] % 254)}.{1 + (bytes[1] % 254)}";
            (code, output) = await HostCommand.RunAsync("ip", ["route", "add", $"{podIp}/32", "dev", hostLink, "src", Gateway], null, cancellationToken).ConfigureAwait(false);
            if (code != 0)
            {
                continue;
            }

            (code, output) = await HostCommand.RunAsync(
                "nsenter",
                ["-t", pid, "-n", "ip", "-batch", "-"],
                $"address add {podIp}/32 dev eth0\nlink set eth0 up\nroute add {Gateway} dev eth0 scope link\nroute add default via {Gateway} dev eth0\nroute add local {Networking.ServiceDirectory.ServiceCidr} dev lo\n",
                cancellationToken).ConfigureAwait(false);
            return code == 0 ? (podIp, null) : (null, $"could not configure the pod's eth0: {output.Trim()}");
        }

        return (null, $"no free pod address: {output.Trim()}");
    }
}
