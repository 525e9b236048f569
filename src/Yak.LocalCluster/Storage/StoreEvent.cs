using System.Text.Json.Nodes;
using Yak.LocalCluster.Api;

namespace Yak.LocalCluster.Storage;

public enum StoreEventType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>One change in the store; <see cref="Object"/> carries the new resourceVersion (for deletes, the deletion's).</summary>
public sealed record StoreEvent(StoreEventType Type, ResourceType Resource, JsonObject Object, JsonObject? Previous, long ResourceVersion)
{
    public string WireType => Type switch
    {
        StoreEventType.Added => "ADDED",
        StoreEventType.Modified => "MODIFIED",
        _ => "DELETED",
    };
}
