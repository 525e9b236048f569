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
    public static (FileStream Stream, StatInfo Stat) OpenRead(string path, int bufferSize = 0) => OpenReadAt(Native.AtFdCwd, path, bufferSize);

    internal static (FileStream Stream, StatInfo Stat) OpenReadAt(int dirfd, string name, int bufferSize)
    {
        if (!Native.Supported)
        {
            if (FileStat.Lstat(name) is not { Kind: EntryKind.File } info)
            {
                throw new IOException($"'{name}' is not a regular file");
            }

            return (new FileStream(name, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize), info);
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

            return (new FileStream(handle, FileAccess.Read, bufferSize), s);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }
}
