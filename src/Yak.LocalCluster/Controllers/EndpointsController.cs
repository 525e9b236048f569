using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Controllers;

/// <summary>Service → Endpoints: the IPs of the selected pods (Ready ones as addresses, others as notReadyAddresses) and the service's target ports.</summary>
internal sealed class EndpointsController(ClusterApi api)
{
    private const string ManagedByLabel = "endpoints.kubernetes.io/managed-by";
    private const string ManagedBy = "yak-local-cluster";

    public void Reconcile()
    {
        var services = api.Store.List(ResourceCatalog.Services, null).Items;
        foreach (var service in services)
        {
            var selector = Meta.StringMap(service["spec"]?["selector"]);
            if (selector.Count == 0 || Meta.IsDeleting(service))
            {
                continue;
            }

            var ns = Meta.Namespace(service);
            var pods = api.Store.List(ResourceCatalog.Pods, ns, p =>
                    !Meta.IsDeleting(p) && !string.IsNullOrEmpty(Meta.Str(p["status"], "podIP")) &&
                    selector.All(kv => Meta.Label(p, kv.Key) == kv.Value))
                .Items.OrderBy(p => Meta.Name(p), StringComparer.Ordinal).ToList();
            Write(service, Subsets(service, pods));
        }

        foreach (var endpoints in api.Store.List(ResourceCatalog.Endpoints, null, e => Meta.Label(e, ManagedByLabel) == ManagedBy).Items)
        {
            if (!services.Any(s => Meta.Namespace(s) == Meta.Namespace(endpoints) && Meta.Name(s) == Meta.Name(endpoints)))
            {
                try
                {
                    api.Delete(ResourceCatalog.Endpoints, Meta.Namespace(endpoints), Meta.Name(endpoints), DeleteOptions.Default);
                }
                catch (ApiException)
                {
                    // Gone meanwhile.
                }
            }
        }
    }

    private static JsonArray Subsets(JsonObject service, List<JsonObject> pods)
    {
        var ready = new JsonArray();
        var notReady = new JsonArray();
        foreach (var pod in pods)
        {
            var address = new JsonObject
            {
                ["ip"] = Meta.Str(pod["status"], "podIP"),
                ["nodeName"] = Meta.Str(pod["spec"], "nodeName"),
                ["targetRef"] = new JsonObject
                {
                    ["kind"] = "Pod",
                    ["namespace"] = Meta.Namespace(pod),
                    ["name"] = Meta.Name(pod),
                    ["uid"] = Meta.Uid(pod),
                },
            };
            var publishNotReady = service["spec"]?["publishNotReadyAddresses"] is JsonValue p && p.TryGetValue<bool>(out var b) && b;
            (Pods.IsReady(pod) || publishNotReady ? ready : notReady).Add(address);
        }

        if (ready.Count == 0 && notReady.Count == 0)
        {
            return [];
        }

        var ports = new JsonArray();
        foreach (var port in (service["spec"]?["ports"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var entry = new JsonObject
            {
                ["port"] = ResolveTargetPort(port, pods),
                ["protocol"] = Meta.Str(port, "protocol") ?? "TCP",
            };
            if (Meta.Str(port, "name") is { Length: > 0 } portName)
            {
                entry["name"] = portName;
            }

            ports.Add(entry);
        }

        var subset = new JsonObject();
        if (ready.Count > 0)
        {
            subset["addresses"] = ready;
        }

        if (notReady.Count > 0)
        {
            subset["notReadyAddresses"] = notReady;
        }

        subset["ports"] = ports;
        return [subset];
    }

    private static long ResolveTargetPort(JsonObject servicePort, List<JsonObject> pods)
    {
        var target = servicePort["targetPort"] ?? servicePort["port"];
        if (Meta.Long(target) is { } number)
        {
            return number;
        }

        var portName = target?.GetValue<string>();
        foreach (var pod in pods)
        {
            foreach (var container in (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>())
            {
                foreach (var p in (container["ports"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    if (Meta.Str(p, "name") == portName && Meta.Long(p["containerPort"]) is { } containerPort)
                    {
                        return containerPort;
                    }
                }
            }
        }

        return Meta.Long(servicePort["port"]) ?? 0;
    }

    private void Write(JsonObject service, JsonArray subsets)
    {
        var ns = Meta.Namespace(service);
        var name = Meta.Name(service);
        var labels = Meta.Labels(service).DeepClone() as JsonObject ?? new JsonObject();
        labels[ManagedByLabel] = ManagedBy;
        if (api.TryGet(ResourceCatalog.Endpoints, ns, name) is null)
        {
            var endpoints = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Endpoints",
                ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels },
            };
            if (subsets.Count > 0)
            {
                endpoints["subsets"] = subsets;
            }

            try
            {
                api.Create(ResourceCatalog.Endpoints, ns, endpoints, WriteOptions.Internal);
            }
            catch (ApiException)
            {
                // Namespace going away, or created meanwhile.
            }

            return;
        }

        api.Modify(ResourceCatalog.Endpoints, ns, name, obj =>
        {
            var before = obj.DeepClone();
            Meta.Metadata(obj)["labels"] = labels.DeepClone();
            if (subsets.Count > 0)
            {
                obj["subsets"] = subsets.DeepClone();
            }
            else
            {
                obj.Remove("subsets");
            }

            return !JsonNode.DeepEquals(before, obj);
        });
    }
}
