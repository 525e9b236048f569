namespace Yak.Cli.Terminal;

/// <summary>
/// Whether yakctl's own ends are a terminal. A remote terminal is asked for only when stdin is one (as
/// <c>kubectl exec -it</c> decides): with a pipe or a file on stdin the session is a plain byte stream and the end
/// of stdin ends it.
/// </summary>
internal static class LocalTerminal
{
    public static bool StdinIsTerminal => !Console.IsInputRedirected;

    public static bool StdoutIsTerminal => !Console.IsOutputRedirected;

    public static bool StderrIsTerminal => !Console.IsErrorRedirected;
}
