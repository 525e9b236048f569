using System.Globalization;
using System.Net.Sockets;
using Yak.Daemon.Native;

namespace Yak.Daemon.Ipc;

/// <summary>
/// systemd socket activation (sd_listen_fds): when LISTEN_PID is our pid, the listening sockets start at fd 3.
/// The variables are cleared so children do not believe the sockets are theirs.
/// </summary>
internal static class SocketActivation
{
    private const int FirstListenFd = 3;
    private const int SetFdFlags = 2;
    private const int CloseOnExec = 1;

    public static Socket? TryTakeListener()
    {
        var pid = Environment.GetEnvironmentVariable("LISTEN_PID");
        var fds = Environment.GetEnvironmentVariable("LISTEN_FDS");
        if (pid is null || fds is null ||
            !int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var listenPid) || listenPid != Environment.ProcessId ||
            !int.TryParse(fds, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
        {
            return null;
        }

        Environment.SetEnvironmentVariable("LISTEN_PID", null);
        Environment.SetEnvironmentVariable("LISTEN_FDS", null);
        Environment.SetEnvironmentVariable("LISTEN_FDNAMES", null);
        _ = Libc.fcntl(FirstListenFd, SetFdFlags, CloseOnExec);
        var socket = new Socket(new SafeSocketHandle(FirstListenFd, ownsHandle: true));
        if (socket.AddressFamily != AddressFamily.Unix)
        {
            socket.Dispose();
            throw new InvalidOperationException("The socket handed over by systemd is not a Unix socket; check ListenStream= in yakd.socket.");
        }

        return socket;
    }
}
