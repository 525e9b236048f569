using Yak.Sync.Paths;
using Yak.Sync.Scanning;

namespace Yak.Agent;

/// <summary>
/// The small operations on the replica: delete, folders, modes, symlinks. Every path is checked, then reached folder
/// by folder through descriptors opened with O_NOFOLLOW from the root (<see cref="DirectoryHandle"/>): no operation
/// follows a link, whatever the tree holds or another process sharing the volume does meanwhile.
/// </summary>
internal sealed class TreeOperations : IDisposable
{
    public const string TempPrefix = ".yak-tmp-";

    /// <summary>Folders kept open between requests (a burst of files in one folder costs one walk); bounded in descriptors.</summary>
    private const int MaxOpenFolders = 256;

    /// <summary>
    /// Folders already opened (real directories, no symlink on the way) during the current run of file transfers;
    /// dropped by any structural operation, so thousands of files in one folder cost one walk, not one each.
    /// </summary>
    private readonly Dictionary<string, DirectoryHandle> openFolders = new(StringComparer.Ordinal);

    /// <summary>Links whose target has a '..' after a name: a later link elsewhere can change where they land.</summary>
    private readonly HashSet<string> fragileLinks = new(StringComparer.Ordinal);
    private readonly DirectoryHandle root;
    private readonly Snapshot manifest;
    private readonly TextWriter log;

    public TreeOperations(DirectoryHandle root, Snapshot manifest, TextWriter log)
    {
        this.root = root;
        this.manifest = manifest;
        this.log = log;
        foreach (var (path, entry) in manifest.Entries)
        {
            if (entry is { Kind: EntryKind.Symlink, Target: { } target } && PathValidator.ClimbsAfterName(target))
            {
                fragileLinks.Add(path);
            }
        }
    }

    public void ForgetCheckedFolders()
    {
        foreach (var folder in openFolders.Values)
        {
            folder.Dispose();
        }

        openFolders.Clear();
    }

    /// <summary>Checks a file path for writing and opens its folder (creating missing ones); the caller owns the returned handle.</summary>
    public (DirectoryHandle Folder, string Name) PrepareFile(string relative)
    {
        CheckPath(relative);
        return (Folder(ParentOf(relative), create: true)!.Duplicate(), NameOf(relative));
    }

    /// <summary>Opens the folder of an existing entry (for reading it); null when a folder on the way is missing.</summary>
    public (DirectoryHandle Folder, string Name)? Locate(string relative)
    {
        CheckPath(relative);
        return Folder(ParentOf(relative), create: false) is { } folder ? (folder, NameOf(relative)) : null;
    }

    public static string TempName() => TempPrefix + Guid.NewGuid().ToString("N")[..16];

    /// <summary>
    /// A request's path: its syntax, and no name the agent keeps for its temps (those are left out of every manifest
    /// and removed at start, so a file by such a name would be resent forever and then lost).
    /// </summary>
    private static void CheckPath(string relative)
    {
        PathValidator.CheckSyntax(relative);
        foreach (var name in relative.Split('/'))
        {
            if (name.StartsWith(TempPrefix, StringComparison.Ordinal))
            {
                throw new PathRefusedException(relative, $"'{name}' starts with '{TempPrefix}', which the agent keeps for its temp files");
            }
        }
    }

    public void Delete(string relative)
    {
        ForgetCheckedFolders();
        CheckPath(relative);
        Folder(ParentOf(relative), create: false)?.Remove(NameOf(relative));
        manifest.RemoveSubtree(relative);
    }

    public void MakeDirectory(string relative)
    {
        ForgetCheckedFolders();
        CheckPath(relative);
        var folder = Folder(ParentOf(relative), create: true)!;
        var name = NameOf(relative);
        if (folder.Stat(name) is { } s && s.Kind != EntryKind.Directory)
        {
            folder.Remove(name);
            manifest.RemoveSubtree(relative);
        }

        folder.MakeDirectory(name);
        manifest.Entries[relative] = Entry.Directory();
    }

    public void SetExecutable(string relative, bool executable)
    {
        var (folder, name) = Locate(relative) ?? throw new FileNotFoundException($"'{relative}' does not exist");
        var (file, stat) = folder.OpenRead(name);
        using (file)
        {
            DirectoryHandle.SetMode(file, (uint)ApplyExecutable((UnixFileMode)stat.Mode, executable));
        }

        if (manifest.Entries.TryGetValue(relative, out var entry))
        {
            manifest.Entries[relative] = entry with { Executable = executable };
        }
    }

    public void Symlink(string relative, string target)
    {
        ForgetCheckedFolders();
        CheckPath(relative);
        PathValidator.CheckLinkTarget(relative, target);
        if (!LinkResolver.StaysInside(root, relative, target))
        {
            throw new PathRefusedException(relative, $"symlink target '{target}' resolves outside the root through the links already in the replica");
        }

        var folder = Folder(ParentOf(relative), create: true)!;
        var name = NameOf(relative);
        if (folder.Stat(name) is { Kind: EntryKind.Directory })
        {
            folder.Remove(name);
        }

        // Created beside, then renamed over (rename acts on the link itself, so a link to a folder moves as a link):
        // the name always points somewhere valid, and a failure takes its temp link with it.
        var temp = TempName();
        folder.CreateSymlink(target, temp);
        try
        {
            folder.Rename(temp, name);
        }
        catch
        {
            TryRemove(folder, temp);
            throw;
        }

        manifest.RemoveSubtree(relative);
        manifest.Entries[relative] = new Entry(EntryKind.Symlink, 0, 0, 0, false, default, target);
        if (PathValidator.ClimbsAfterName(target))
        {
            fragileLinks.Add(relative);
        }

        RemoveLinksNowEscaping(relative);
    }

    /// <summary>
    /// A new link can redirect an older one whose '..' climbs after a name (x/../.. with x now a link to '.'):
    /// such a link is removed (and reported once); the daemon sees it missing, resends it, and it is refused.
    /// </summary>
    private void RemoveLinksNowEscaping(string created)
    {
        foreach (var link in fragileLinks.ToList())
        {
            if (link == created)
            {
                continue;
            }

            if (!manifest.Entries.TryGetValue(link, out var entry) || entry.Kind != EntryKind.Symlink)
            {
                fragileLinks.Remove(link);
                continue;
            }

            if (!LinkResolver.StaysInside(root, link, entry.Target!) && Locate(link) is { } at)
            {
                log.WriteLine($"yak-agent: removed '{link}' -> '{entry.Target}': since '{created}' was linked it resolves outside the root");
                at.Folder.Remove(at.Name);
                manifest.Entries.Remove(link);
                fragileLinks.Remove(link);
            }
        }
    }

    /// <summary>
    /// Deletes the temp entries a killed agent left behind. Walks real folders only (links are never descended, so a
    /// link loop or a link out of the root cannot make it wander), at most <see cref="DirectoryHandle.MaxDepth"/> deep.
    /// </summary>
    public int RemoveStaleTemps()
    {
        var removed = 0;
        var stack = new Stack<(DirectoryHandle Folder, int Depth)>();
        stack.Push((root.Duplicate(), 0));
        while (stack.TryPop(out var item))
        {
            using var folder = item.Folder;
            foreach (var name in SafeList(folder))
            {
                if (name.StartsWith(TempPrefix, StringComparison.Ordinal))
                {
                    removed += TryRemove(folder, name) ? 1 : 0;
                }
                else if (item.Depth < DirectoryHandle.MaxDepth && SafeStat(folder, name) is { Kind: EntryKind.Directory } && SafeOpen(folder, name) is { } child)
                {
                    stack.Push((child, item.Depth + 1));
                }
            }
        }

        return removed;
    }

    public void Dispose() => ForgetCheckedFolders();

    public static bool TryRemove(DirectoryHandle folder, string name)
    {
        try
        {
            folder.Remove(name);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PathRefusedException)
        {
            return false;
        }
    }

    public static UnixFileMode ApplyExecutable(UnixFileMode mode, bool executable)
    {
        const UnixFileMode anyExec = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if (!executable)
        {
            return mode & ~anyExec;
        }

        var result = mode | UnixFileMode.UserExecute;
        if (mode.HasFlag(UnixFileMode.GroupRead))
        {
            result |= UnixFileMode.GroupExecute;
        }

        if (mode.HasFlag(UnixFileMode.OtherRead))
        {
            result |= UnixFileMode.OtherExecute;
        }

        return result;
    }

    private static string ParentOf(string relative) => relative.LastIndexOf('/') is var slash && slash < 0 ? "" : relative[..slash];

    private static string NameOf(string relative) => relative[(relative.LastIndexOf('/') + 1)..];

    /// <summary>Opens a folder component by component from the root, never through a link; creates missing ones when asked.</summary>
    private DirectoryHandle? Folder(string relative, bool create)
    {
        if (relative.Length == 0)
        {
            return root;
        }

        if (openFolders.TryGetValue(relative, out var known))
        {
            return known;
        }

        if (Folder(ParentOf(relative), create) is not { } parent)
        {
            return null;
        }

        var name = NameOf(relative);
        var child = parent.OpenChild(name, relative);
        if (child is null)
        {
            if (!create)
            {
                return null;
            }

            parent.MakeDirectory(name);
            manifest.Entries[relative] = Entry.Directory();
            child = parent.OpenChild(name, relative) ?? throw new IOException($"folder '{relative}' vanished as it was created");
        }

        if (openFolders.Count >= MaxOpenFolders)
        {
            ForgetCheckedFolders(); // parent is closed with the rest; it is not used again below
        }

        openFolders[relative] = child;
        return child;
    }

    private static List<string> SafeList(DirectoryHandle folder)
    {
        try
        {
            return folder.ListNames();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static StatInfo? SafeStat(DirectoryHandle folder, string name)
    {
        try
        {
            return folder.Stat(name);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static DirectoryHandle? SafeOpen(DirectoryHandle folder, string name)
    {
        try
        {
            return folder.OpenChild(name, name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PathRefusedException)
        {
            return null;
        }
    }
}
