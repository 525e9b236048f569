using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Yak.Environments.Files;

/// <summary>
/// Reads a spec or env file only if it is a regular file of bounded size: opened O_NONBLOCK (a FIFO cannot hang the
/// reader), optionally O_NOFOLLOW (a link is refused), then fstat on the descriptor decides; /dev/zero or a 10 GB file
/// is refused with its size instead of being read into memory.
/// </summary>
internal static partial class BoundedTextFile
{
    public const long MaxSpecBytes = 4 << 20;

    private const int NonBlock = 0x800;
    private const int CloExec = 0x80000;
    private const int AtEmptyPath = 0x1000;

    /// <summary>Returns the text, or throws IOException whose message says what was found and the limit.</summary>
    public static string Read(string path, long maxBytes, bool followLinks)
    {
        if (!OperatingSystem.IsLinux())
        {
            var info = new FileInfo(path);
            return info.Length > maxBytes ? throw new IOException($"{info.Length} bytes, more than the {maxBytes} allowed") : File.ReadAllText(path);
        }

        var noFollow = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;
        var fd = Open(path, NonBlock | CloExec | (followLinks ? 0 : noFollow), 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno == 40
                ? new IOException("it is a symlink; give the file itself")
                : errno == 2 ? new FileNotFoundException("no such file") : new IOException(Marshal.GetPInvokeErrorMessage(errno));
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        var (mode, size) = Fstat(fd);
        if ((mode & 0xF000) != 0x8000)
        {
            throw new IOException("not a regular file (a FIFO, device, socket or folder)");
        }

        if (size > maxBytes)
        {
            throw new IOException($"{size} bytes, more than the {maxBytes} allowed");
        }

        using var stream = new FileStream(handle, FileAccess.Read, 0);
        var buffer = new byte[size];
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    private static unsafe (ushort Mode, long Size) Fstat(int fd)
    {
        var buffer = stackalloc byte[256];
        if (Statx(fd, "", AtEmptyPath, 0x7FF, buffer) != 0)
        {
            throw new IOException(Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));
        }

        return (*(ushort*)(buffer + 28), *(long*)(buffer + 40));
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
