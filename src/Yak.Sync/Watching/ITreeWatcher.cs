using Yak.Sync.Ignore;

namespace Yak.Sync.Watching;

/// <summary>Reports relative paths ("" = the whole tree) that may have changed, already coalesced.</summary>
public interface ITreeWatcher : IDisposable
{
    event Action<IReadOnlyCollection<string>>? Changed;

    /// <summary>
    /// A change was seen and <see cref="Changed"/> will report it once the tree is quiet (tens of ms later): raised on
    /// the first change of each batch, so what the pass needs can be readied during the wait. On the watcher's thread.
    /// </summary>
    event Action? Stirred;

    /// <summary>Said once per problem, with the fix (e.g. the inotify budget).</summary>
    event Action<string>? Warning;

    /// <summary>Folders that could not be watched and are polled instead.</summary>
    int PolledFolders { get; }

    void Start();

    /// <summary>Re-examines a folder after its ignore rules changed (watches folders that are no longer ignored).</summary>
    void Refresh(string relativeFolder);
}

public static class TreeWatcher
{
    public static readonly TimeSpan DefaultQuiet = TimeSpan.FromMilliseconds(25);

    public static ITreeWatcher Create(string root, IgnoreRules ignore, TimeSpan? quiet = null, TimeProvider? time = null) =>
        OperatingSystem.IsLinux()
            ? new InotifyWatcher(root, ignore, quiet ?? DefaultQuiet, time)
            : new PortableWatcher(root, ignore, quiet ?? DefaultQuiet, time);
}
