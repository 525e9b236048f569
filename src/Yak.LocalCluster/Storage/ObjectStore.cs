using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Yak.LocalCluster.Api;

namespace Yak.LocalCluster.Storage;

/// <summary>
/// All objects, one global resourceVersion counter, a bounded history of changes for watches, and write-through persistence.
/// Every read returns a deep copy; every write goes through one lock so events are published in resourceVersion order.
/// </summary>
public sealed class ObjectStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ResourceType, SortedDictionary<(string Ns, string Name), JsonObject>> _objects = [];
    private readonly LinkedList<StoreEvent> _history = new();
    private readonly List<Subscription> _subscriptions = [];
    private readonly ObjectFiles? _files;
    private readonly int _historyCapacity;
    private long _resourceVersion;

    /// <summary>How many undelivered events a client watch may queue before it is closed (410, re-list).</summary>
    public int WatchQueueCapacity { get; }

    /// <summary>Open client subscriptions (watches).</summary>
    public int ClientSubscriptions
    {
        get
        {
            lock (_lock)
            {
                return _subscriptions.Count(s => !s.Internal);
            }
        }
    }
    private long _historyFloor;

    public ObjectStore(ObjectFiles? files, int historyCapacity = 2000, int? watchQueueCapacity = null)
    {
        _files = files;
        _historyCapacity = historyCapacity;

        // A client watch must hold at least a full history replay.
        WatchQueueCapacity = Math.Max(watchQueueCapacity ?? 4096, historyCapacity + 1);
        foreach (var type in ResourceCatalog.All)
        {
            _objects[type] = new SortedDictionary<(string, string), JsonObject>();
        }

        if (files is not null)
        {
            foreach (var (type, obj) in files.LoadAll())
            {
                _objects[type][(Meta.Namespace(obj), Meta.Name(obj))] = obj;
                _resourceVersion = Math.Max(_resourceVersion, Meta.ResourceVersion(obj));
            }
        }

        _historyFloor = _resourceVersion;
    }

    public long CurrentResourceVersion
    {
        get
        {
            lock (_lock)
            {
                return _resourceVersion;
            }
        }
    }

    public JsonObject? Get(ResourceType type, string ns, string name)
    {
        lock (_lock)
        {
            return _objects[type].TryGetValue((ns, name), out var obj) ? (JsonObject)obj.DeepClone() : null;
        }
    }

    /// <summary>All objects of a type (in one namespace, or all when <paramref name="ns"/> is null), with the list's resourceVersion.</summary>
    public (List<JsonObject> Items, long ResourceVersion) List(ResourceType type, string? ns, Func<JsonObject, bool>? filter = null)
    {
        lock (_lock)
        {
            var items = new List<JsonObject>();
            foreach (var ((objNs, _), obj) in _objects[type])
            {
                if ((ns is null || objNs == ns) && (filter is null || filter(obj)))
                {
                    items.Add((JsonObject)obj.DeepClone());
                }
            }

            return (items, _resourceVersion);
        }
    }

    /// <summary>Stores a new object; fails with AlreadyExists.</summary>
    public JsonObject Create(ResourceType type, JsonObject obj)
    {
        lock (_lock)
        {
            var key = (Meta.Namespace(obj), Meta.Name(obj));
            if (_objects[type].ContainsKey(key))
            {
                throw ApiException.AlreadyExists(type, key.Item2);
            }

            var stored = Commit(type, key, (JsonObject)obj.DeepClone());
            Publish(new StoreEvent(StoreEventType.Added, type, stored, null, _resourceVersion));
            return (JsonObject)stored.DeepClone();
        }
    }

    /// <summary>
    /// Atomic read-modify-write: <paramref name="mutate"/> gets a copy of the current object and returns the new one,
    /// or null to leave it unchanged. Writes (and a new resourceVersion) happen only when the object really changed.
    /// </summary>
    public JsonObject Update(ResourceType type, string ns, string name, Func<JsonObject, JsonObject?> mutate)
    {
        lock (_lock)
        {
            if (!_objects[type].TryGetValue((ns, name), out var current))
            {
                throw ApiException.NotFound(type, name);
            }

            var updated = mutate((JsonObject)current.DeepClone());
            if (updated is null)
            {
                return (JsonObject)current.DeepClone();
            }

            Meta.Metadata(updated)["resourceVersion"] = Meta.Str(current["metadata"], "resourceVersion");
            if (JsonNode.DeepEquals(updated, current))
            {
                return (JsonObject)current.DeepClone();
            }

            var stored = Commit(type, (ns, name), (JsonObject)updated.DeepClone());
            Publish(new StoreEvent(StoreEventType.Modified, type, stored, current, _resourceVersion));
            return (JsonObject)stored.DeepClone();
        }
    }

    /// <summary>Removes an object for good; returns it (with the deletion's resourceVersion) or null when absent.</summary>
    public JsonObject? Remove(ResourceType type, string ns, string name, string? expectedUid = null)
    {
        lock (_lock)
        {
            if (!_objects[type].TryGetValue((ns, name), out var current) ||
                (expectedUid is not null && Meta.Uid(current) != expectedUid))
            {
                return null;
            }

            _objects[type].Remove((ns, name));
            _files?.Remove(type, ns, name);
            _resourceVersion++;
            var removed = (JsonObject)current.DeepClone();
            Meta.Metadata(removed)["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture);
            Publish(new StoreEvent(StoreEventType.Deleted, type, removed, current, _resourceVersion));
            return (JsonObject)removed.DeepClone();
        }
    }

    /// <summary>
    /// Subscribes to changes after <paramref name="fromResourceVersion"/> (replayed from history first), or only future ones when null.
    /// Throws 410 Expired when the history no longer reaches back that far.
    /// </summary>
    /// <param name="internalUse">Internal feeds (controllers) are not cut by <see cref="CloseAllSubscriptions"/>.</param>
    public Subscription Subscribe(long? fromResourceVersion, bool internalUse = false)
    {
        lock (_lock)
        {
            var subscription = new Subscription(this, internalUse, WatchQueueCapacity);
            if (fromResourceVersion is { } from)
            {
                if (from < _historyFloor)
                {
                    throw ApiException.Expired($"too old resource version: {from} ({_historyFloor + 1})");
                }

                foreach (var e in _history)
                {
                    if (e.ResourceVersion > from)
                    {
                        subscription.Writer.TryWrite(e);
                    }
                }
            }

            _subscriptions.Add(subscription);
            return subscription;
        }
    }

    /// <summary>Ends every open client subscription (watches then end their streams); returns how many.</summary>
    public int CloseAllSubscriptions()
    {
        lock (_lock)
        {
            var dropped = _subscriptions.Where(s => !s.Internal).ToList();
            foreach (var s in dropped)
            {
                s.Writer.TryComplete();
                _subscriptions.Remove(s);
            }

            return dropped.Count;
        }
    }

    private JsonObject Commit(ResourceType type, (string, string) key, JsonObject obj)
    {
        _resourceVersion++;
        Meta.Metadata(obj)["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture);
        _objects[type][key] = obj;
        _files?.Save(type, key.Item1, key.Item2, obj);
        return obj;
    }

    private void Publish(StoreEvent e)
    {
        _history.AddLast(e);
        while (_history.Count > _historyCapacity)
        {
            _historyFloor = _history.First!.Value.ResourceVersion;
            _history.RemoveFirst();
        }

        List<Subscription>? overflowed = null;
        foreach (var s in _subscriptions)
        {
            if (!s.Writer.TryWrite(e))
            {
                (overflowed ??= []).Add(s);
            }
        }

        foreach (var s in overflowed ?? [])
        {
            // A client that stopped reading: its bounded queue is full. Drop it (it gets 410 and re-lists) rather than grow.
            s.Overflowed = true;
            s.Writer.TryComplete();
            _subscriptions.Remove(s);
        }
    }

    private void Unsubscribe(Subscription subscription)
    {
        lock (_lock)
        {
            _subscriptions.Remove(subscription);
            subscription.Writer.TryComplete();
        }
    }

    /// <summary>A live feed of store events; dispose to stop it.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly ObjectStore _store;
        private readonly Channel<StoreEvent> _channel;

        internal Subscription(ObjectStore store, bool internalUse, int capacity)
        {
            _store = store;
            Internal = internalUse;

            // Internal feeds (controllers) always read; client watches are bounded, whatever the client does.
            _channel = internalUse
                ? Channel.CreateUnbounded<StoreEvent>(new UnboundedChannelOptions { SingleReader = true })
                : Channel.CreateBounded<StoreEvent>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        }

        internal bool Internal { get; }

        /// <summary>True when the subscription was closed because its reader fell behind by a full queue.</summary>
        public bool Overflowed { get; internal set; }

        public ChannelReader<StoreEvent> Reader => _channel.Reader;

        internal ChannelWriter<StoreEvent> Writer => _channel.Writer;

        public void Dispose() => _store.Unsubscribe(this);
    }
}
