using k8s;
using k8s.Models;

namespace Yak.Kube.Watching;

public enum ChangeKind
{
    Added,
    Modified,
    Deleted,
}

/// <summary>One object that appeared, changed or went away.</summary>
public readonly record struct ResourceChange<T>(ChangeKind Kind, T Object);

/// <summary>
/// The pure part of an informer: the current objects of one namespace and kind, keyed by name, and the
/// resourceVersion to resume a watch from. A list replaces the set (reporting what differs from before); each watch
/// event updates it. Not thread-safe: the informer's loop owns it.
/// </summary>
public sealed class ResourceSet<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Dictionary<string, T> items = new(StringComparer.Ordinal);

    /// <summary>The version of the last list or event applied; empty before the first list.</summary>
    public string ResourceVersion { get; private set; } = string.Empty;

    public int Count => items.Count;

    public IReadOnlyList<T> Snapshot() => [.. items.Values];

    /// <summary>Replaces the set with a fresh list; returns what a watcher of the old set would have seen.</summary>
    public List<ResourceChange<T>> Replace(IEnumerable<T> listed, string resourceVersion)
    {
        ArgumentNullException.ThrowIfNull(listed);
        var fresh = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in listed)
        {
            fresh[NameOf(item)] = item;
        }

        var changes = new List<ResourceChange<T>>();
        foreach (var (name, old) in items)
        {
            if (!fresh.ContainsKey(name))
            {
                changes.Add(new ResourceChange<T>(ChangeKind.Deleted, old));
            }
        }

        foreach (var (name, item) in fresh)
        {
            if (!items.TryGetValue(name, out var old))
            {
                changes.Add(new ResourceChange<T>(ChangeKind.Added, item));
            }
            else if (old.Metadata?.ResourceVersion != item.Metadata?.ResourceVersion || old.Metadata?.Uid != item.Metadata?.Uid)
            {
                changes.Add(new ResourceChange<T>(ChangeKind.Modified, item));
            }
        }

        items.Clear();
        foreach (var (name, item) in fresh)
        {
            items[name] = item;
        }

        ResourceVersion = resourceVersion;
        return changes;
    }

    /// <summary>Applies one watch event; null when it changed no object (a bookmark, a delete of an unknown name).</summary>
    public ResourceChange<T>? Apply(WatchEventKind type, T item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Metadata?.ResourceVersion is { Length: > 0 } version)
        {
            ResourceVersion = version;
        }

        switch (type)
        {
            case WatchEventKind.Added:
            case WatchEventKind.Modified:
                var name = NameOf(item);
                var existed = items.ContainsKey(name);
                items[name] = item;
                return new ResourceChange<T>(existed ? ChangeKind.Modified : ChangeKind.Added, item);
            case WatchEventKind.Deleted:
                return items.Remove(NameOf(item)) ? new ResourceChange<T>(ChangeKind.Deleted, item) : null;
            default:
                return null;
        }
    }

    private static string NameOf(T item) =>
        item.Metadata?.Name ?? throw new InvalidDataException($"a {typeof(T).Name} without metadata.name");
}
