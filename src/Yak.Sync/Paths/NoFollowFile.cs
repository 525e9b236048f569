using Microsoft.Win32.SafeHandles;
using Yak.Sync.Scanning;

namespace Yak.Sync.Paths;

/// <summary>
/// Opens a file for reading only if the name is a regular file now: O_NOFOLLOW (a link swapped in is refused, not
/// followed) and O_NONBLOCK (a FIFO swapped in cannot hang the reader), then fstat on the open descriptor decides.
/// </summary>
public static class NoFollowFile
{
    /// <summary>Opens <paramref name="path"/> (a regular file, not a link) for reading and returns it with its fstat.</summary>
    public static (ReadOnlyFile Stream, StatInfo Stat) OpenRead(string path) => OpenReadAt(Native.AtFdCwd, path);

    internal static (ReadOnlyFile Stream, StatInfo Stat) OpenReadAt(int dirfd, string name)
    {
        if (!Native.Supported)
        {
            if (FileStat.Lstat(name) is not { Kind: EntryKind.File } info)
            {
                throw new IOException($"'{name}' is not a regular file");
            }

            return (new ReadOnlyFile(File.OpenHandle(name, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete), name), info);
        }

        var fd = Native.OpenAt(dirfd, name, Native.RdOnly | Native.NoFollow | Native.NonBlock | Native.CloExec, 0);
        if (fd < 0)
        {
            var errno = Native.Errno();
            throw errno == Native.ELOOP ? new IOException($"'{PathRefusedException.Printable(name)}' is a symlink now", errno) : Native.Error("open", name, errno);
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            var stat = Native.StatAt(fd, "", emptyPath: true);
            if (stat is not { Kind: EntryKind.File } s)
            {
                throw new IOException($"'{PathRefusedException.Printable(name)}' is not a regular file (a FIFO, device, socket or folder)");
            }

            return (new ReadOnlyFile(handle, name), s);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }
}
