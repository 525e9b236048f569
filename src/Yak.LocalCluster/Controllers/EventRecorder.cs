using System.Globalization;
using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;
using Yak.LocalCluster.Storage;

namespace Yak.LocalCluster.Controllers;

/// <summary>
/// Writes core/v1 Events about objects (what <c>kubectl describe</c> lists): repeated events are folded into one
/// with a count, and events older than an hour are removed.
/// </summary>
internal sealed class EventRecorder(ClusterApi api)
{
    private static readonly TimeSpan TimeToLive = TimeSpan.FromHours(1);

    public void Normal(ResourceType type, JsonObject obj, string component, string reason, string message) =>
        Record(type, obj, component, "Normal", reason, message);

    public void Warning(ResourceType type, JsonObject obj, string component, string reason, string message) =>
        Record(type, obj, component, "Warning", reason, message);

    private void Record(ResourceType type, JsonObject obj, string component, string kind, string reason, string message)
    {
        var ns = Meta.Namespace(obj);
        var uid = Meta.Uid(obj);
        if (ns.Length == 0)
        {
            return;
        }

        var now = Meta.Now();
        var existing = api.Store.List(ResourceCatalog.Events, ns, e =>
            Meta.Str(e["involvedObject"], "uid") == uid && Meta.Str(e, "reason") == reason && Meta.Str(e, "message") == message).Items.FirstOrDefault();
        if (existing is not null)
        {
            api.Modify(ResourceCatalog.Events, ns, Meta.Name(existing), e =>
            {
                e["count"] = (Meta.Long(e["count"]) ?? 1) + 1;
                e["lastTimestamp"] = now;
                return true;
            });
            return;
        }

        var name = $"{Meta.Name(obj)}.{DateTime.UtcNow.Ticks.ToString("x", CultureInfo.InvariantCulture)}";
        try
        {
            api.Create(ResourceCatalog.Events, ns, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Event",
                ["metadata"] = new JsonObject { ["name"] = name },
                ["involvedObject"] = new JsonObject
                {
                    ["apiVersion"] = type.GroupVersion,
                    ["kind"] = type.Kind,
                    ["namespace"] = ns,
                    ["name"] = Meta.Name(obj),
                    ["uid"] = uid,
                },
                ["reason"] = reason,
                ["message"] = message,
                ["type"] = kind,
                ["source"] = new JsonObject { ["component"] = component },
                ["reportingComponent"] = component,
                ["reportingInstance"] = Meta.Str(obj["spec"], "nodeName") ?? Scheduling.NodeOptions.Default.Name,
                ["firstTimestamp"] = now,
                ["lastTimestamp"] = now,
                ["count"] = 1,
            }, WriteOptions.Internal);
        }
        catch (ApiException)
        {
            // The namespace is going away, or a same-tick duplicate: an event is best effort.
        }
    }

    /// <summary>Removes events whose last occurrence is older than the time to live.</summary>
    public void Expire()
    {
        var cutoff = DateTimeOffset.UtcNow - TimeToLive;
        foreach (var e in api.Store.List(ResourceCatalog.Events, null).Items)
        {
            if (DateTimeOffset.TryParse(Meta.Str(e, "lastTimestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var last) && last < cutoff)
            {
                api.Store.Remove(ResourceCatalog.Events, Meta.Namespace(e), Meta.Name(e));
            }
        }
    }
}
