using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Networking;

/// <summary>Publishes Services and their Endpoints (ready addresses only) to the <see cref="ServiceDirectory"/> the pods' DNS and proxies read.</summary>
internal sealed class ServiceDirectoryController(ClusterApi api, ServiceDirectory directory)
{
    public void Reconcile()
    {
        var entries = new List<ServiceEntry>();
        foreach (var service in api.Store.List(ResourceCatalog.Services, null).Items.OrderBy(s => Meta.Namespace(s), StringComparer.Ordinal).ThenBy(s => Meta.Name(s), StringComparer.Ordinal))
        {
            var ns = Meta.Namespace(service);
            var name = Meta.Name(service);
            var clusterIp = Meta.Str(service["spec"], "clusterIP");
            var subsets = (api.TryGet(ResourceCatalog.Endpoints, ns, name)?["subsets"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            var ready = subsets.SelectMany(s => (s["addresses"] as JsonArray ?? []).OfType<JsonObject>().Select(a => Meta.Str(a, "ip")))
                .OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var ports = new List<ServicePortEntry>();
            foreach (var port in (service["spec"]?["ports"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var portName = Meta.Str(port, "name");
                var protocol = Meta.Str(port, "protocol") ?? "TCP";
                var endpoints = subsets.SelectMany(s =>
                {
                    var target = (s["ports"] as JsonArray ?? []).OfType<JsonObject>()
                        .FirstOrDefault(p => (Meta.Str(p, "name") ?? "") == (portName ?? "") && (Meta.Str(p, "protocol") ?? "TCP") == protocol);
                    var targetPort = (int?)Meta.Long(target?["port"]);
                    return targetPort is null
                        ? []
                        : (s["addresses"] as JsonArray ?? []).OfType<JsonObject>().Select(a => (Ip: Meta.Str(a, "ip") ?? "", Port: targetPort.Value));
                }).Where(e => e.Ip.Length > 0).ToList();
                ports.Add(new ServicePortEntry(portName, (int)(Meta.Long(port["port"]) ?? 0), protocol, endpoints));
            }

            entries.Add(new ServiceEntry(ns, name, clusterIp is { Length: > 0 } and not "None" ? clusterIp : null, ports, ready));
        }

        directory.Publish(entries);
    }
}
