using System.Collections;

namespace Yak.Sync.Watching;

/// <summary>Paths changed together, with when the first of them was seen (before the debounce), so "save → visible" can be timed from the save.</summary>
public sealed class ChangeBatch(HashSet<string> paths, long firstSeen) : IReadOnlyCollection<string>
{
    /// <summary>The <see cref="TimeProvider.GetTimestamp"/> of the batch's first change.</summary>
    public long FirstSeen { get; } = firstSeen;

    public int Count => paths.Count;

    public IEnumerator<string> GetEnumerator() => paths.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
