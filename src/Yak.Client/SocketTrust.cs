using System.Net.Sockets;
using Yak.Protocol.Transport;

namespace Yak.Client;

/// <summary>
/// Makes sure the daemon socket belongs to this user before a byte is sent: whoever controls the socket's folder
/// can put their own server there (e.g. <c>/tmp/yak-&lt;uid&gt;</c> created first by another user), and would
/// receive our commands, exec lines and keystrokes.
/// </summary>
public static class SocketTrust
{
    private const UnixFileMode GroupOrOther = (UnixFileMode)0b_000_111_111;

    /// <summary>
    /// Refuses a socket folder that is a link, not a folder, owned by another uid, or open to group or others while
    /// a socket is in it. A missing folder or socket means no daemon (<see cref="DaemonUnavailableException"/>).
    /// </summary>
    public static void CheckFolder(string socketPath)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(socketPath)) ?? "/";
        var self = CurrentUser.EffectiveUserId;
        PathIdentity? found;
        try
        {
            found = UnixIdentity.Examine(folder);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new DaemonUnavailableException($"No yakd answers on {socketPath}: permission denied (its folder belongs to another user).", ex);
        }
        catch (IOException ex)
        {
            throw new UntrustedDaemonException($"Refusing to use {socketPath}: {ex.Message}");
        }

        switch (found)
        {
            case null:
                throw new DaemonUnavailableException($"No yakd answers on {socketPath}: its folder {folder} does not exist.");
            case { Kind: PathKind.SymbolicLink }:
                throw new UntrustedDaemonException(
                    $"Refusing to use {socketPath}: its folder {folder} is a symbolic link. Remove the link (yakd recreates the folder) or set {DaemonEndpoint.SocketOverrideVariable}.");
            case { Kind: not PathKind.Directory }:
                throw new UntrustedDaemonException($"Refusing to use {socketPath}: {folder} is not a folder.");
            case { OwnerUid: var owner } when owner != self:
                throw new UntrustedDaemonException(
                    $"Refusing to use {socketPath}: its folder {folder} belongs to uid {owner}, not to you (uid {self}), so its owner could be " +
                    $"serving the socket. Remove the folder (yakd recreates it) or set {DaemonEndpoint.SocketOverrideVariable} to a path in a folder of yours.");
            case { Mode: var mode } when (mode & GroupOrOther) != 0 && !SocketExists(socketPath):
                // Ours but too open, and nothing to talk to yet: the yakd that autostart launches makes it 0700 before it binds.
                throw new DaemonUnavailableException($"No yakd answers on {socketPath} (its folder {folder} is mode {found.OctalMode}; yakd makes it 0700).");
            case { Mode: var mode } when (mode & GroupOrOther) != 0:
                throw new UntrustedDaemonException(
                    $"Refusing to use {socketPath}: its folder {folder} is mode {found.OctalMode}, so other users could replace the socket. " +
                    $"Run 'chmod 700 {folder}' (yakd creates it 0700).");
        }
    }

    private static bool SocketExists(string socketPath)
    {
        try
        {
            return UnixIdentity.Examine(socketPath) is not null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>Refuses a connected socket whose server runs as another uid (or whose uid the kernel will not tell).</summary>
    public static void CheckPeer(Socket socket, string socketPath)
    {
        uint? peer;
        try
        {
            peer = UnixIdentity.GetPeerUid(socket);
        }
        catch (SocketException)
        {
            peer = null;
        }

        var self = CurrentUser.EffectiveUserId;
        if (peer is null)
        {
            throw new UntrustedDaemonException($"Refusing to talk to {socketPath}: the system did not say which user serves it.");
        }

        if (peer != self)
        {
            throw new UntrustedDaemonException(
                $"Refusing to talk to {socketPath}: it is served by uid {peer}, not by you (uid {self}); nothing was sent. " +
                "Another user's program is listening where your yakd should be: stop it or remove the socket.");
        }
    }
}
