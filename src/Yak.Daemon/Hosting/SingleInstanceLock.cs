using System.Globalization;
using Yak.Protocol.Transport;
using Yak.Protocol.Errors;

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
            stream = PrivateFiles.Open(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            var holder = ReadHolderPid(path);
            throw new DaemonStartupException(
                $"yakd is already running for this user{(holder is null ? "" : $" (pid {holder})")}; lock file {path}. " +
                "Use 'yakctl daemon status' to reach it or 'yakctl daemon stop' to stop it.",
                ExitCodes.AlreadyRunning,
                YakErrors.DaemonAlreadyRunning);
        }

        // The pid goes in a separate file: the lock itself cannot be read by the process it keeps out. Not flushed to
        // disk: it is stale after a crash or power loss whatever was flushed, and the fsync was on every start's path
        // to the first answer.
        var pidFile = PidFilePath(path);
        PrivateFiles.WriteAtomic(pidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n", durable: false);
        return new SingleInstanceLock(stream, path);
    }

    public void Dispose()
    {
        try
        {
            File.Delete(PidFilePath(Path));
        }
        catch (IOException)
        {
        }

        stream.Dispose();
    }

    private static string PidFilePath(string lockPath) => DaemonEndpoint.PidFileFor(lockPath);

    private static int? ReadHolderPid(string lockPath)
    {
        try
        {
            var text = File.ReadAllText(PidFilePath(lockPath)).Trim();
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
