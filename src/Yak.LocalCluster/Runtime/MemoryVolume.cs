using System.Globalization;
using System.Runtime.InteropServices;
using k8s.Models;

namespace Yak.LocalCluster.Runtime;

/// <summary>
/// An emptyDir with <c>medium: Memory</c> is a tmpfs, as the kubelet mounts it: as large as its <c>sizeLimit</c>
/// (the kernel's default, half the memory, without one). Mounted over the volume's folder before the containers
/// bind it, unmounted when the pod stops. Only where pods get namespaces (root on Linux); elsewhere a plain folder.
/// </summary>
internal static partial class MemoryVolume
{
    private const ulong NoSuid = 2;
    private const ulong NoDev = 4;
    private const int Detach = 2;

    public static bool IsMemory(V1Volume volume) => string.Equals(volume.EmptyDir?.Medium, "Memory", StringComparison.Ordinal);

    /// <summary>Mounts a tmpfs of the volume's sizeLimit at <paramref name="folder"/>.</summary>
    public static void Mount(V1Volume volume, string folder)
    {
        var size = volume.EmptyDir?.SizeLimit is { } limit ? limit.ToInt64() : 0;
        var data = size > 0 ? string.Create(CultureInfo.InvariantCulture, $"size={size},mode=0777") : "mode=0777";
        if (MountNative("tmpfs", folder, "tmpfs", NoSuid | NoDev, data) != 0)
        {
            throw new IOException($"mount tmpfs for emptyDir {volume.Name} on {folder}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }

    /// <summary>Detaches the tmpfs (lazily: a process still in it does not keep it mounted on the host).</summary>
    public static void Unmount(string folder) => _ = Umount2(folder, Detach);

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MountNative(string source, string target, string type, ulong flags, string data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Umount2(string target, int flags);
}
