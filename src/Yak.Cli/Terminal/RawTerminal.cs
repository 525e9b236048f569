using System.Runtime.InteropServices;

namespace Yak.Cli.Terminal;

/// <summary>
/// Raw mode on the terminal (stdin) through termios: <c>cfmakeraw</c> on the current settings, restored on
/// dispose. Done in-process rather than with <c>stty raw -echo</c>, because .NET puts its own terminal settings
/// back whenever a child process exits. The termios struct is handled as opaque bytes (its layout differs by OS).
/// </summary>
internal sealed partial class RawTerminal : IDisposable
{
    private const int StdinFd = 0;
    private const int TcsaNow = 0;
    private readonly byte[] saved;

    private RawTerminal(byte[] saved) => this.saved = saved;

    /// <summary>Raw mode, or null when stdin is not a terminal (nothing to change, nothing to restore).</summary>
    public static RawTerminal? Enter()
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var saved = new byte[512];
        if (TcGetAttr(StdinFd, saved) != 0)
        {
            return null;
        }

        var raw = (byte[])saved.Clone();
        CfMakeRaw(raw);
        return TcSetAttr(StdinFd, TcsaNow, raw) == 0 ? new RawTerminal(saved) : null;
    }

    public void Dispose() => _ = TcSetAttr(StdinFd, TcsaNow, saved);

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    private static partial int TcGetAttr(int fd, [Out] byte[] termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    private static partial int TcSetAttr(int fd, int action, byte[] termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    private static partial void CfMakeRaw(byte[] termios);
}
