using Yak.Sync.Paths;
using Yak.Sync.Scanning;

namespace Yak.Agent;

/// <summary>The small operations on the replica: delete, folders, modes, symlinks. Every path is validated first.</summary>
internal sealed class TreeOperations(PathValidator validator, Snapshot manifest)
{
    public const string TempPrefix = ".yak-tmp-";

    /// <summary>
    /// Folders already checked to be real directories (no symlink on the way) during the current run of file
    /// transfers; dropped by any structural operation, so thousands of files in one folder cost one check, not one each.
    /// </summary>
    private readonly HashSet<string> checkedFolders = new(StringComparer.Ordinal);

    public void ForgetCheckedFolders() => checkedFolders.Clear();

    /// <summary>Validates a file path for writing: syntax, then its parents (created if missing); returns (full path, folder).</summary>
    public (string Full, string Folder) PrepareFile(string relative)
    {
        PathValidator.CheckSyntax(relative);
        var folder = EnsureParents(relative);
        return (Path.Combine(validator.Root, relative), folder);
    }

    public static string TempNameIn(string folder) => Path.Combine(folder, TempPrefix + Guid.NewGuid().ToString("N")[..16]);

    public void Delete(string relative)
    {
        checkedFolders.Clear();
        var full = validator.Resolve(relative);
        RemoveAnything(full);
        manifest.RemoveSubtree(relative);
    }

    public void MakeDirectory(string relative)
    {
        checkedFolders.Clear();
        var full = validator.Resolve(relative);
        var stat = FileStat.Lstat(full);
        if (stat is { } s && s.Kind != EntryKind.Directory)
        {
            RemoveAnything(full);
        }

        EnsureParents(relative);
        Directory.CreateDirectory(full);
        manifest.Entries[relative] = Entry.Directory();
    }

    public void SetExecutable(string relative, bool executable)
    {
        var full = validator.Resolve(relative);
        var stat = FileStat.Lstat(full) ?? throw new FileNotFoundException($"'{relative}' does not exist");
        if (stat.Kind != EntryKind.File)
        {
            throw new IOException($"'{relative}' is not a file");
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(full, ApplyExecutable((UnixFileMode)stat.Mode, executable));
        }
        if (manifest.Entries.TryGetValue(relative, out var entry))
        {
            manifest.Entries[relative] = entry with { Executable = executable };
        }
    }

    public void Symlink(string relative, string target)
    {
        checkedFolders.Clear();
        PathValidator.CheckLinkTarget(relative, target);
        var full = validator.Resolve(relative);
        var folder = EnsureParents(relative);
        if (FileStat.Lstat(full) is { Kind: EntryKind.Directory })
        {
            RemoveAnything(full);
        }

        // Created beside, then renamed over: the name always points somewhere valid.
        var temp = TempNameIn(folder);
        File.CreateSymbolicLink(temp, target);
        File.Move(temp, full, overwrite: true);
        manifest.RemoveSubtree(relative);
        manifest.Entries[relative] = new Entry(EntryKind.Symlink, 0, 0, 0, false, default, target);
    }

    /// <summary>Creates missing parent folders (validated: no symlink on the way) and returns the parent's full path.</summary>
    public string EnsureParents(string relative)
    {
        var slash = relative.LastIndexOf('/');
        if (slash < 0)
        {
            return validator.Root;
        }

        var parent = relative[..slash];
        if (checkedFolders.Contains(parent))
        {
            return Path.Combine(validator.Root, parent);
        }

        var full = validator.Resolve(parent);
        switch (FileStat.Lstat(full))
        {
            case null:
                EnsureParents(parent);
                Directory.CreateDirectory(full);
                manifest.Entries[parent] = Entry.Directory();
                break;
            case { Kind: EntryKind.Directory }:
                break;
            case { Kind: var kind }:
                // Never write through (or silently replace) a link or file in the way: MakeDir comes first when the kind changed.
                throw new PathRefusedException(relative, $"parent '{parent}' is {(kind == EntryKind.Symlink ? "a symlink" : "not a directory")}");
        }

        checkedFolders.Add(parent);
        return full;
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

    public static void RemoveAnything(string full)
    {
        switch (FileStat.Lstat(full)?.Kind)
        {
            case null:
                return;
            case EntryKind.Directory:
                Directory.Delete(full, recursive: true);
                return;
            default:
                File.Delete(full);
                return;
        }
    }
}
