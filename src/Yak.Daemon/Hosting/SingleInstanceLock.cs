using System.Globalization;

namespace Yak.Daemon.Hosting;

/// <summary>
/// An exclusive lock file held for the daemon's lifetime. .NET takes an advisory flock for FileShare.None on
/// Unix, which the kernel drops when the process dies, so a killed daemon never leaves a stale lock.
/// </summary>
internal sealed class SingleInstanceLock : IDisposable
{
    private readonly FileStream stream;

    private SingleInstanceLock(FileStream stream, string path)
    {
        this.stream = stream;
        Path = path;
    }

    public string Path { get; }

    public static SingleInstanceLock Acquire(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            var holder = ReadHolderPid(path);
            throw new DaemonStartupException(
                $"yakd is already running for this user{(holder is null ? "" : $" (pid {holder})")}; lock file {path}. " +
                "Use 'yakctl daemon status' to reach it or 'yakctl daemon stop' to stop it.",
                ExitCodes.AlreadyRunning);
        }

        stream.SetLength(0);
        var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        stream.Write(pid);
        stream.Flush(flushToDisk: true);
        return new SingleInstanceLock(stream, path);
    }

    public void Dispose() => stream.Dispose();

    private static int? ReadHolderPid(string path)
    {
        try
        {
            using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var text = new StreamReader(reader);
            return int.TryParse(text.ReadLine(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
