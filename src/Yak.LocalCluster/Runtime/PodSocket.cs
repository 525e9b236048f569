using System.Net;
using System.Net.Sockets;

namespace Yak.LocalCluster.Runtime;

/// <summary>
/// Opens TCP connections inside a pod's network namespace: a socket belongs to the namespace of the thread that
/// created it, so a short-lived thread joins the namespace (setns), creates the socket and ends; the connect and all
/// I/O then run normally on any thread.
/// </summary>
public static class PodSocket
{
    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/> as seen from inside the sandbox.</summary>
    public static async Task<Socket> ConnectAsync(PodSandbox sandbox, string host, int port, CancellationToken cancellationToken)
    {
        var address = IPAddress.TryParse(host, out var parsed) ? parsed : IPAddress.Loopback;
        var socket = sandbox.Isolated ? CreateInNamespace(sandbox.HolderPid, address.AddressFamily) : new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.NoDelay = true;
            await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static Socket CreateInNamespace(int holderPid, AddressFamily family) =>
        Create(holderPid, family, SocketType.Stream, ProtocolType.Tcp);

    /// <summary>A socket of any kind in the pod's network namespace (listeners and the DNS socket of <c>Networking/</c>).</summary>
    internal static Socket Create(int holderPid, AddressFamily family, SocketType type, ProtocolType protocol)
    {
        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var target = File.OpenHandle($"/proc/{holderPid}/ns/net");
                LinuxNative.EnterNetworkNamespace(target);
                socket = new Socket(family, type, protocol);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SocketException)
            {
                error = ex;
            }

            // The thread ends here, so its namespace change never leaks into pooled threads.
        })
        {
            IsBackground = true,
            Name = "yak-netns",
        };
        thread.Start();
        thread.Join();
        return socket ?? throw new IOException($"could not open a socket in pod namespace of pid {holderPid}: {error?.Message}", error);
    }
}
