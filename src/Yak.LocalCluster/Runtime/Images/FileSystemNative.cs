using System.Runtime.InteropServices;

namespace Yak.LocalCluster.Runtime.Images;

/// <summary>The libc calls unpacking needs beyond .NET's: hard links and owners that never follow a final symlink.</summary>
internal static partial class FileSystemNative
{
    /// <summary><c>link(2)</c>: does not follow a symlink at <paramref name="existing"/> on Linux.</summary>
    public static void HardLink(string existing, string path)
    {
        if (link(existing, path) != 0)
        {
            throw new IOException($"cannot link {path} to {existing}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary><c>lchown(2)</c>: sets the owner of the entry itself (a symlink, not its target).</summary>
    public static void SetOwner(string path, int uid, int gid)
    {
        if (lchown(path, uid, gid) != 0)
        {
            throw new IOException($"cannot set the owner of {path}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string existing, string path);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lchown(string path, int uid, int gid);
}
