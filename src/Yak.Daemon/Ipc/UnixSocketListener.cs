using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Yak.Daemon.Hosting;
using Yak.Daemon.Logging;
using Yak.Daemon.Native;
using Yak.Protocol.Transport;
using Yak.Protocol.Errors;

namespace Yak.Daemon.Ipc;

/// <summary>
/// The daemon's Unix socket: private from the moment it exists (folder 0700, socket 0600 via the umask at
/// bind time, so there is no chmod-after-bind window), and every peer's uid checked against ours: a peer
/// whose uid the kernel cannot tell is refused too.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class UnixSocketListener : IConnectionListener
{
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly Socket socket;
    private readonly bool ownsPath;
    private readonly uint ownUid = CurrentUser.EffectiveUserId;
    private readonly ILogger logger;

    private UnixSocketListener(Socket socket, string address, string mode, bool ownsPath, ILogger logger)
    {
        this.socket = socket;
        this.ownsPath = ownsPath;
        this.logger = logger;
        Address = address;
        Mode = mode;
    }

    public string Address { get; }

    public string Mode { get; }

    public static void PrepareDirectory(DaemonEndpoint endpoint) => PrepareDirectory(endpoint.SocketDirectory, endpoint.SocketFolderIsYaks);

    /// <summary>
    /// Creates the socket folder 0700 when it is missing; refuses one that is a link or belongs to another user.
    /// An existing folder open to others is tightened only when it is yak's own (<paramref name="yaksOwn"/>); a folder
    /// named by YAK_SOCKET (e.g. /tmp) is not ours to chmod and is refused instead.
    /// </summary>
    public static void PrepareDirectory(string directory, bool yaksOwn)
    {
        if (!Directory.Exists(directory))
        {
            PrivateFiles.CreateDirectory(directory);
        }

        var info = new DirectoryInfo(directory);
        if (info.LinkTarget is not null)
        {
            throw new DaemonStartupException($"Socket folder {directory} is a symbolic link; refusing to use it.", ExitCodes.UnsafeSocketDirectory, YakErrors.StatePermissions);
        }

        if (OwnerOf(directory) is { } owner && owner != CurrentUser.EffectiveUserId)
        {
            throw new DaemonStartupException(
                $"Socket folder {directory} belongs to uid {owner}, not to you (uid {CurrentUser.EffectiveUserId}). Remove it or set YAK_SOCKET.",
                ExitCodes.UnsafeSocketDirectory, YakErrors.StatePermissions);
        }

        if ((info.UnixFileMode & ~PrivateFolder) != 0)
        {
            if (!yaksOwn)
            {
                throw new DaemonStartupException(
                    $"Socket folder {directory} (from {DaemonEndpoint.SocketOverrideVariable}) is mode {Convert.ToString((int)info.UnixFileMode, 8)}: other users could replace the socket. " +
                    $"Set {DaemonEndpoint.SocketOverrideVariable} to a path in a folder only you can write (0700), or unset it.",
                    ExitCodes.UnsafeSocketDirectory, YakErrors.StatePermissions);
            }

            File.SetUnixFileMode(directory, PrivateFolder);
        }
    }

    /// <summary>Takes the systemd-provided socket if there is one, else binds the endpoint's socket path.</summary>
    public static UnixSocketListener Create(DaemonEndpoint endpoint, ILogger logger)
    {
        if (SocketActivation.TryTakeListener() is { } activated)
        {
            Log.SocketActivated(logger);
            var address = (activated.LocalEndPoint as UnixDomainSocketEndPoint)?.ToString() is { Length: > 0 } bound ? bound : endpoint.SocketPath;
            return new UnixSocketListener(activated, address, "systemd", ownsPath: false, logger);
        }

        var path = endpoint.SocketPath;
        PrepareDirectory(endpoint);
        if (File.Exists(path) || new FileInfo(path).LinkTarget is not null)
        {
            // The caller holds the single-instance lock, so whatever is here was left by a dead daemon.
            File.Delete(path);
            Log.StaleSocketReplaced(logger, path);
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var previous = Libc.umask(0b_001_111_111); // 0177: the socket file is born 0600
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        finally
        {
            Libc.umask(previous);
        }

        socket.Listen(512);
        return new UnixSocketListener(socket, path, "bound", ownsPath: true, logger);
    }

    public async Task<AcceptedConnection> AcceptAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var client = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            uint? peer;
            try
            {
                peer = UnixIdentity.GetPeerUid(client);
            }
            catch (SocketException)
            {
                peer = null;
            }

            if (peer is not { } uid)
            {
                // A peer we cannot identify could be anyone: it gets nothing.
                Log.PeerUnidentified(logger, ownUid);
                client.Dispose();
                continue;
            }

            if (uid != ownUid)
            {
                Log.PeerRefused(logger, uid, ownUid);
                client.Dispose();
                continue;
            }

            return new AcceptedConnection(new NetworkStream(client, ownsSocket: true), uid);
        }
    }

    public ValueTask DisposeAsync()
    {
        socket.Dispose();
        if (ownsPath)
        {
            try
            {
                File.Delete(Address);
            }
            catch (IOException)
            {
                // Nothing else to do; the next daemon replaces a leftover socket.
            }
        }

        return ValueTask.CompletedTask;
    }

    private static uint? OwnerOf(string path)
    {
        try
        {
            return UnixIdentity.Examine(path)?.OwnerUid;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
