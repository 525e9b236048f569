using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Cli.Doctor;

/// <summary>The doctor's checks that must work when yakd does not: permissions of yak's folders and socket, and yakd itself.</summary>
internal static class LocalChecks
{
    private const UnixFileMode GroupOrOther = (UnixFileMode)0b_000_111_111;

    /// <summary>A folder of yak's must be the user's and closed to others (yak creates them 0700); a missing one is fine.</summary>
    public static DoctorCheckInfo PrivateFolder(string name, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return Pass(name, $"{path}: Windows (access is the ACL's)");
        }

        PathIdentity? found;
        try
        {
            found = UnixIdentity.Examine(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fail(name, $"{path}: {ex.Message}", YakErrors.StatePermissions, null);
        }

        return found switch
        {
            null => Pass(name, $"{path} does not exist yet (yak creates it 0700)"),
            { Kind: PathKind.SymbolicLink } => Fail(name, $"{path} is a symbolic link", YakErrors.UntrustedSocket, $"remove the link {path}: yak recreates the folder, private."),
            { Kind: not PathKind.Directory } => Fail(name, $"{path} is not a folder", YakErrors.StatePermissions, $"move {path} away: yak recreates the folder, private."),
            { OwnerUid: var owner } when owner != CurrentUser.EffectiveUserId =>
                Fail(name, $"{path} belongs to uid {owner}, not to you (uid {CurrentUser.EffectiveUserId})", YakErrors.StatePermissions, $"'chown {CurrentUser.EffectiveUserId} {path}', or remove it: yak recreates it."),
            { Mode: var mode } when (mode & GroupOrOther) != 0 =>
                Fail(name, $"{path} is mode {found.OctalMode}: other users may enter it", YakErrors.StatePermissions, $"'chmod 700 {path}'."),
            _ => Pass(name, $"{path} is yours and {found.OctalMode}"),
        };
    }

    /// <summary>The socket must be 0600 (yakd creates it so): others must not even try to connect.</summary>
    public static DoctorCheckInfo Socket(string path)
    {
        const string Name = "socket";
        if (OperatingSystem.IsWindows())
        {
            return Pass(Name, $"{path}: a named pipe whose ACL admits only you");
        }

        var found = UnixIdentity.Examine(path);
        return found switch
        {
            null => Pass(Name, $"{path} does not exist (yakd creates it 0600 when it starts)"),
            { Kind: not PathKind.Socket } => Fail(Name, $"{path} is not a socket", YakErrors.UntrustedSocket, $"remove {path}: yakd recreates it when it starts."),
            { OwnerUid: var owner } when owner != CurrentUser.EffectiveUserId =>
                Fail(Name, $"{path} belongs to uid {owner}, not to you", YakErrors.UntrustedSocket, null),
            { Mode: var mode } when (mode & GroupOrOther) != 0 =>
                Fail(Name, $"{path} is mode {found.OctalMode}: other users may connect to it", YakErrors.StatePermissions, $"'chmod 600 {path}' (yakd creates it 0600; 'yakctl daemon restart' recreates it)."),
            _ => Pass(Name, $"{path} is yours and {found.OctalMode}"),
        };
    }

    /// <summary>yakd answers (starting it unless autostart is off), and is the version of this yakctl.</summary>
    public static async Task<(DaemonClient? Client, IReadOnlyList<DoctorCheckInfo> Checks)> DaemonAsync(CliContext context, CancellationToken cancellationToken)
    {
        const string Name = "yakd";
        DaemonClient client;
        try
        {
            client = await context.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DaemonUnavailableException ex)
        {
            return (null, [Fail(Name, ex.Message, YakErrors.DaemonUnavailable, DaemonLauncher.AutostartDisabled ? $"{DaemonLauncher.NoAutostartVariable}=1 is set: 'yakctl daemon start' starts it." : null)]);
        }
        catch (UntrustedDaemonException ex)
        {
            return (null, [Fail(Name, ex.Message, YakErrors.UntrustedSocket, null)]);
        }
        catch (IncompatibleDaemonException ex)
        {
            return (null, [Fail(Name, ex.Message, YakErrors.IncompatibleProtocol, null)]);
        }

        var hello = client.Hello;
        var answered = Pass(Name, $"yakd {hello.DaemonVersion} answers on {context.Endpoint.SocketPath} (protocol {hello.ProtocolVersion})");
        var version = Output.VersionReport.SameRelease(hello.DaemonVersion, DaemonClient.ClientVersion)
            ? Pass("yakd version", $"the same as yakctl's ({DaemonClient.ClientVersion})")
            : Warn("yakd version", $"the running yakd is {hello.DaemonVersion}, this yakctl is {DaemonClient.ClientVersion}", YakErrors.VersionMismatch);
        return (client, [answered, version]);
    }

    public static DoctorCheckInfo Pass(string name, string message) =>
        new() { Name = name, Status = DoctorStatus.Pass, Message = message, Code = null, Fix = null };

    public static DoctorCheckInfo Warn(string name, string message, YakError error, string? fix = null) =>
        new() { Name = name, Status = DoctorStatus.Warn, Message = message, Code = error.Code, Fix = fix ?? error.Fix };

    public static DoctorCheckInfo Fail(string name, string message, YakError error, string? fix) =>
        new() { Name = name, Status = DoctorStatus.Fail, Message = message, Code = error.Code, Fix = fix ?? error.Fix };
}
