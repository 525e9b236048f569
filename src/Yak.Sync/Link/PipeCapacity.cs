namespace Yak.Sync.Link;

/// <summary>
/// Grows a pipe's kernel buffer (F_SETPIPE_SZ; Linux's default is 64 KiB). The agent's stdin is the link: with 64 KiB
/// the daemon stalls whenever the agent pauses to publish a batch of files, so the two never work at once.
/// </summary>
public static class PipeCapacity
{
    /// <summary>1 MiB: what an unprivileged process may ask for by default (/proc/sys/fs/pipe-max-size).</summary>
    public const int Link = 1 << 20;

    private const int SetPipeSize = 1031;

    /// <summary>Returns the new capacity, or null when <paramref name="fd"/> is not a pipe or the kernel refused (left as it was).</summary>
    public static int? TryGrow(int fd, int bytes = Link)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var size = Paths.Native.Fcntl(fd, SetPipeSize, bytes);
        return size > 0 ? size : null;
    }
}
