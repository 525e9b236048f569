using System.Buffers.Binary;
using System.Net.Sockets;
using Yak.Daemon.Native;

namespace Yak.Daemon.Ipc;

/// <summary>Who is on the other end of a Unix socket, as told by the kernel (not by the peer).</summary>
internal static class PeerCredentials
{
    /// <summary>The peer's effective uid, or null when the platform cannot tell.</summary>
    public static uint? GetPeerUid(Socket socket)
    {
        if (OperatingSystem.IsLinux())
        {
            // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
            Span<byte> ucred = stackalloc byte[12];
            var length = socket.GetRawSocketOption(Libc.SolSocketLinux, Libc.SoPeerCredLinux, ucred);
            return length >= 8 ? BinaryPrimitives.ReadUInt32LittleEndian(ucred[4..8]) : null;
        }

        if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
        {
            return Libc.getpeereid(socket.Handle, out var uid, out _) == 0 ? uid : null;
        }

        return null;
    }
}
