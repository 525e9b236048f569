using Yak.Sync.Ignore;

namespace Yak.Sync.Watching;

/// <summary>FileSystemWatcher (FSEvents on macOS, ReadDirectoryChangesW on Windows); overflow → rescan everything.</summary>
public sealed class PortableWatcher : ITreeWatcher
{
    private readonly string root;
    private readonly IgnoreRules ignore;
    private readonly FileSystemWatcher watcher;
    private readonly ChangeCoalescer coalescer;

    public PortableWatcher(string root, IgnoreRules ignore, TimeSpan quiet, TimeProvider? time = null)
    {
        this.root = Path.GetFullPath(root);
        this.ignore = ignore;
        coalescer = new ChangeCoalescer(quiet, quiet * 8, paths => Changed?.Invoke(paths), time, () => Stirred?.Invoke());
        watcher = new FileSystemWatcher(this.root)
        {
            IncludeSubdirectories = true,
            InternalBufferSize = 64 * 1024,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.Attributes,
        };
        watcher.Changed += (_, e) => Report(e.FullPath);
        watcher.Created += (_, e) => Report(e.FullPath);
        watcher.Deleted += (_, e) => Report(e.FullPath);
        watcher.Renamed += (_, e) =>
        {
            Report(e.OldFullPath);
            Report(e.FullPath);
        };
        watcher.Error += (_, e) =>
        {
            Warning?.Invoke($"file watching overflowed ({e.GetException().Message}); rescanning the tree");
            coalescer.Add("");
        };
    }

    public event Action<IReadOnlyCollection<string>>? Changed;

    public event Action? Stirred;

    public event Action<string>? Warning;

    public int PolledFolders => 0;

    public void Start() => watcher.EnableRaisingEvents = true;

    public void Refresh(string relativeFolder) => coalescer.Add(relativeFolder);

    public void Dispose()
    {
        watcher.Dispose();
        coalescer.Dispose();
    }

    private void Report(string fullPath)
    {
        var relative = Path.GetRelativePath(root, fullPath).Replace('\\', '/');
        if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal))
        {
            relative = "";
        }

        if (relative.Length == 0 || !ignore.IsIgnored(relative, isDirectory: false) || IgnoreRules.IsIgnoreFile(Path.GetFileName(relative)))
        {
            coalescer.Add(relative);
        }
    }
}
