using System.Net;
using System.Net.Sockets;

namespace Yak.Daemon.Environments;

/// <summary>Whether a local TCP port can be bound on loopback, as a forward would bind it.</summary>
internal static class LocalPorts
{
    public static bool IsFree(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            return false;
        }
    }
}
