using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Yak.Sync.Scanning;

namespace Yak.Sync.Paths;

/// <summary>
/// A directory held open by descriptor. Every operation names an entry directly inside it (no '/') and none follows
/// a link in that name (openat-style with O_NOFOLLOW, *at(2) calls that act on the link itself), so another process
/// renaming or swapping names under us can make an operation fail, never land outside the tree.
/// </summary>
public sealed class DirectoryHandle : IDisposable
{
    /// <summary>Deepest folder nesting a recursive removal or walk will descend (PATH_MAX allows about 2,000).</summary>
    public const int MaxDepth = 2048;

    private readonly SafeFileHandle handle;
    private readonly bool shared;
    private int released;

    private DirectoryHandle(int fd) => handle = new SafeFileHandle(fd, ownsHandle: true);

    private DirectoryHandle(SafeFileHandle owned)
    {
        handle = owned;
        shared = true;
    }

    private int Fd => (int)handle.DangerousGetHandle();

    /// <summary>Opens the root itself (following links in its configured path: the operator chose it).</summary>
    public static DirectoryHandle OpenRoot(string path)
    {
        var fd = Native.OpenAt(Native.AtFdCwd, path, Native.RdOnly | Native.Directory | Native.CloExec, 0);
        return fd >= 0 ? new DirectoryHandle(fd) : throw Native.Error("open folder", path, Native.Errno());
    }

    /// <summary>Opens a real sub-folder; null if the name is missing; throws <see cref="PathRefusedException"/> if it is a link or not a folder.</summary>
    public DirectoryHandle? OpenChild(string name, string relativeForMessages)
    {
        var fd = Native.OpenAt(Fd, name, Native.RdOnly | Native.Directory | Native.NoFollow | Native.CloExec, 0);
        if (fd >= 0)
        {
            return new DirectoryHandle(fd);
        }

        var errno = Native.Errno();
        return errno switch
        {
            Native.ENOENT => null,
            Native.ELOOP => throw new PathRefusedException(relativeForMessages, $"'{name}' on the way is a symlink"),
            Native.ENOTDIR => throw new PathRefusedException(relativeForMessages, $"'{name}' on the way is not a directory"),
            _ => throw Native.Error("open folder", name, errno),
        };
    }

    /// <summary>
    /// Another owner of the same descriptor, for the caller to dispose: the folder stays open until every owner has
    /// disposed its handle. A reference count, not a second descriptor (the receiver takes one per file: no
    /// openat and close each time).
    /// </summary>
    public DirectoryHandle Duplicate()
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        return new DirectoryHandle(handle);
    }

    public StatInfo? Stat(string name) => Native.StatAt(Fd, name);

    /// <summary>The folder's file system: bytes free (for a non-root writer), bytes in all, read-only; null when unknown.</summary>
    public (long Free, long Total, bool ReadOnly)? FileSystemSpace() => Native.FileSystemSpace(Fd);

    /// <summary>Flushes the whole file system holding this folder to disk (syncfs(2)): one flush for many files.</summary>
    public void SyncFileSystem()
    {
        if (Native.SyncFs(Fd) != 0)
        {
            throw Native.Error("syncfs", ".", Native.Errno());
        }
    }

    public void MakeDirectory(string name)
    {
        if (Native.MkdirAt(Fd, name, 0b111_101_101) != 0 && Native.Errno() is var errno && errno != Native.EEXIST)
        {
            throw Native.Error("create folder", name, errno);
        }
    }

    /// <summary>Creates a new file (never an existing name, never through a link), private until renamed.</summary>
    public SafeFileHandle CreateFile(string name)
    {
        var fd = Native.OpenAt(Fd, name, Native.RdWr | Native.Creat | Native.Excl | Native.NoFollow | Native.CloExec, 0b110_000_000);
        return fd >= 0 ? new SafeFileHandle(fd, ownsHandle: true) : throw Native.Error("create", name, Native.Errno());
    }

    /// <summary>pread(2) into <paramref name="buffer"/> at <paramref name="offset"/> (no lseek: the reader keeps its own offset); 0 at the end.</summary>
    public static unsafe int ReadAt(SafeFileHandle file, Span<byte> buffer, long offset, string name)
    {
        fixed (byte* start = buffer)
        {
            while (true)
            {
                var read = Native.PRead((int)file.DangerousGetHandle(), start, (nuint)buffer.Length, offset);
                if (read >= 0)
                {
                    return (int)read;
                }

                if (Native.Errno() is var errno && errno != Native.EINTR)
                {
                    throw Native.Error("read", name, errno);
                }
            }
        }
    }

    /// <summary>pwrite(2) of all of <paramref name="data"/> at <paramref name="offset"/> (no lseek: the writer keeps its own offset).</summary>
    public static unsafe void WriteAt(SafeFileHandle file, ReadOnlySpan<byte> data, long offset, string name)
    {
        fixed (byte* start = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var written = Native.PWrite((int)file.DangerousGetHandle(), start + done, (nuint)(data.Length - done), offset + done);
                if (written < 0)
                {
                    if (Native.Errno() is var errno && errno != Native.EINTR)
                    {
                        throw Native.Error("write", name, errno);
                    }

                    continue;
                }

                done += (int)written;
            }
        }
    }

    /// <summary>fsync(2): the file's data and metadata on disk.</summary>
    public static void FlushToDisk(SafeFileHandle file, string name)
    {
        if (Native.Fsync((int)file.DangerousGetHandle()) != 0)
        {
            throw Native.Error("fsync", name, Native.Errno());
        }
    }

    /// <summary>Opens a regular file for reading; a link, FIFO or device in its place is refused (never followed, never blocks).</summary>
    public (ReadOnlyFile Stream, StatInfo Stat) OpenRead(string name) => NoFollowFile.OpenReadAt(Fd, name);

    public static void SetMode(ReadOnlyFile file, uint mode) => SetMode(file.SafeFileHandle, mode, file.Name);

    public static void SetMode(SafeFileHandle file, uint mode, string name)
    {
        if (Native.Fchmod((int)file.DangerousGetHandle(), mode) != 0)
        {
            throw Native.Error("chmod", name, Native.Errno());
        }
    }

    /// <summary>fstat of an open file (its inode and mtime survive a rename: a committed file needs no second lookup).</summary>
    public static StatInfo? StatOpen(SafeFileHandle file) => Native.StatAt((int)file.DangerousGetHandle(), "", emptyPath: true);

    /// <summary>rename(2) within this folder: atomic, acts on links themselves (a link to a folder moves as a link).</summary>
    public void Rename(string from, string to)
    {
        if (Native.RenameAt(Fd, from, Fd, to) != 0)
        {
            throw Native.Error("rename to", to, Native.Errno());
        }
    }

    public void CreateSymlink(string target, string name)
    {
        if (Native.SymlinkAt(target, Fd, name) != 0)
        {
            throw Native.Error("symlink", name, Native.Errno());
        }
    }

    public unsafe string? ReadLink(string name)
    {
        var buffer = stackalloc byte[4096];
        var length = Native.ReadlinkAt(Fd, name, buffer, 4096);
        return length < 0 ? null : Encoding.UTF8.GetString(buffer, (int)length);
    }

    /// <summary>Removes a name if it exists: a file or link is unlinked, a real folder emptied depth-first (links inside are removed, never followed).</summary>
    public void Remove(string name)
    {
        if (Stat(name) is not { } stat)
        {
            return;
        }

        if (stat.Kind == EntryKind.Directory)
        {
            RemoveTree(name, 0);
        }
        else
        {
            Unlink(name);
        }
    }

    /// <summary>Names in this folder (without '.' and '..'), read from the descriptor, not a path.</summary>
    public unsafe List<string> ListNames()
    {
        var names = new List<string>();
        var fd = Native.OpenAt(Fd, ".", Native.RdOnly | Native.Directory | Native.CloExec, 0);
        if (fd < 0)
        {
            throw Native.Error("list", ".", Native.Errno());
        }

        var dir = Native.FdOpenDir(fd);
        if (dir == 0)
        {
            var errno = Native.Errno();
            Native.Close(fd);
            throw Native.Error("list", ".", errno);
        }

        try
        {
            nint entry;
            while ((entry = Native.ReadDir(dir)) != 0)
            {
                // struct dirent on 64-bit Linux (glibc and musl): ino 8, off 8, reclen 2, type 1, then the name.
                var name = Marshal.PtrToStringUTF8(entry + 19)!;
                if (name is not ("." or ".."))
                {
                    names.Add(name);
                }
            }
        }
        finally
        {
            Native.CloseDir(dir);
        }

        return names;
    }

    public void Dispose()
    {
        if (!shared)
        {
            handle.Dispose();
        }
        else if (Interlocked.Exchange(ref released, 1) == 0)
        {
            handle.DangerousRelease();
        }
    }

    private void Unlink(string name)
    {
        if (Native.UnlinkAt(Fd, name, 0) != 0 && Native.Errno() is var errno && errno != Native.ENOENT)
        {
            throw Native.Error("delete", name, errno);
        }
    }

    private void RemoveTree(string name, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new IOException($"'{PathRefusedException.Printable(name)}' is nested deeper than {MaxDepth} folders");
        }

        using (var child = OpenChild(name, name))
        {
            if (child is null)
            {
                return;
            }

            foreach (var inner in child.ListNames())
            {
                if (child.Stat(inner) is { Kind: EntryKind.Directory })
                {
                    child.RemoveTree(inner, depth + 1);
                }
                else
                {
                    child.Unlink(inner);
                }
            }
        }

        if (Native.UnlinkAt(Fd, name, Native.AtRemoveDir) != 0 && Native.Errno() is var errno && errno != Native.ENOENT)
        {
            throw Native.Error("delete folder", name, errno);
        }
    }
}
