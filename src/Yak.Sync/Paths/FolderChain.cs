using Yak.Sync.Scanning;

namespace Yak.Sync.Paths;

/// <summary>
/// Opens files under a root through descriptors of their folders, kept open along the current folder's chain: a pass
/// sends paths in sorted order, so each folder is opened once (O_NOFOLLOW, as the agent writes) and each file is one
/// openat of its name — no walk of the full path per file, and no folder on the way that became a link is followed.
/// Linux only; elsewhere full paths with <see cref="NoFollowFile"/>. One thread at a time.
/// </summary>
public sealed class FolderChain(string root) : IDisposable
{
    private readonly List<(string Name, DirectoryHandle Handle)> chain = [];
    private DirectoryHandle? rootHandle;

    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>Opens <paramref name="relative"/> ('/'-separated) for reading if it is a regular file reached through real folders.</summary>
    /// <exception cref="IOException">Missing, not a regular file, or a folder on the way is a link or not a folder.</exception>
    public (ReadOnlyFile Stream, StatInfo Stat) OpenRead(string relative)
    {
        if (!Native.Supported)
        {
            return NoFollowFile.OpenRead(Path.Combine(Root, relative));
        }

        var parts = relative.Split('/');
        var keep = 0;
        while (keep < chain.Count && keep < parts.Length - 1 && chain[keep].Name == parts[keep])
        {
            keep++;
        }

        while (chain.Count > keep)
        {
            chain[^1].Handle.Dispose();
            chain.RemoveAt(chain.Count - 1);
        }

        rootHandle ??= DirectoryHandle.OpenRoot(Root);
        for (var i = keep; i < parts.Length - 1; i++)
        {
            DirectoryHandle? child;
            try
            {
                child = (chain.Count == 0 ? rootHandle : chain[^1].Handle).OpenChild(parts[i], relative);
            }
            catch (PathRefusedException e)
            {
                throw new IOException(e.Message, e);
            }

            chain.Add((parts[i], child ?? throw new FileNotFoundException($"'{PathRefusedException.Printable(relative)}': a folder on the way is gone")));
        }

        return (chain.Count == 0 ? rootHandle : chain[^1].Handle).OpenRead(parts[^1]);
    }

    public void Dispose()
    {
        foreach (var (_, handle) in chain)
        {
            handle.Dispose();
        }

        chain.Clear();
        rootHandle?.Dispose();
        rootHandle = null;
    }
}
