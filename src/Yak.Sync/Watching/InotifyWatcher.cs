using System.Runtime.InteropServices;
using System.Text;
using Yak.Sync.Ignore;
using Yak.Sync.Scanning;

namespace Yak.Sync.Watching;

/// <summary>
/// Recursive watching with inotify directly: one watch per folder that is not ignored (node_modules listed in
/// .gitignore costs no watch), new folders are watched as they appear, a queue overflow rescans the tree, and when
/// the per-user watch budget runs out the warning names the sysctl and only the unwatched folders are polled.
/// </summary>
public sealed partial class InotifyWatcher : ITreeWatcher
{
    private const uint InModify = 0x2, InAttrib = 0x4, InCloseWrite = 0x8, InMovedFrom = 0x40, InMovedTo = 0x80,
        InCreate = 0x100, InDelete = 0x200, InDeleteSelf = 0x400, InMoveSelf = 0x800, InQueueOverflow = 0x4000,
        InIgnored = 0x8000, InOnlyDir = 0x1000000, InDontFollow = 0x2000000, InExclUnlink = 0x4000000, InIsDir = 0x40000000;

    private const uint WatchMask = InModify | InAttrib | InCloseWrite | InMovedFrom | InMovedTo | InCreate | InDelete |
        InDeleteSelf | InMoveSelf | InOnlyDir | InDontFollow | InExclUnlink;

    private const int ENOSPC = 28;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    private readonly string root;
    private readonly IgnoreRules ignore;
    private readonly ChangeCoalescer coalescer;
    private readonly Dictionary<int, string> byWatch = [];
    private readonly Dictionary<string, int> byPath = new(StringComparer.Ordinal);
    private readonly HashSet<string> polled = new(StringComparer.Ordinal);
    private readonly object gate = new();
    private readonly Timer pollTimer;
    private int inotifyFd = -1;
    private int stopFd = -1;
    private Thread? thread;
    private bool budgetWarned;
    private volatile bool disposed;

    public InotifyWatcher(string root, IgnoreRules ignore, TimeSpan quiet, TimeProvider? time = null)
    {
        this.root = Path.GetFullPath(root);
        this.ignore = ignore;
        coalescer = new ChangeCoalescer(quiet, quiet * 8, paths => Changed?.Invoke(paths), time, () => Stirred?.Invoke());
        pollTimer = new Timer(_ => Poll(), null, Timeout.Infinite, Timeout.Infinite);
    }

    public event Action<IReadOnlyCollection<string>>? Changed;

    public event Action? Stirred;

    public event Action<string>? Warning;

    /// <summary>For tests: behave as if the kernel refused watches beyond this many (simulates an exhausted budget).</summary>
    public int? WatchLimit { get; init; }

    public int PolledFolders
    {
        get
        {
            lock (gate)
            {
                return polled.Count;
            }
        }
    }

    /// <summary>True when the folder could not get an inotify watch and is polled instead.</summary>
    public bool IsPolled(string relativeFolder)
    {
        lock (gate)
        {
            return polled.Contains(relativeFolder);
        }
    }

    public int WatchedFolders
    {
        get
        {
            lock (gate)
            {
                return byPath.Count;
            }
        }
    }

    public void Start()
    {
        inotifyFd = InotifyInit1(0x800 | 0x80000);
        if (inotifyFd < 0)
        {
            throw new IOException($"inotify_init1 failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        stopFd = EventFd(0, 0x800 | 0x80000);
        AddTree("");
        thread = new Thread(ReadLoop) { IsBackground = true, Name = "yak inotify" };
        thread.Start();
        ArmPolling();
    }

    public void Refresh(string relativeFolder)
    {
        AddTree(relativeFolder);
        coalescer.Add(relativeFolder);
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        lock (gate)
        {
            // Under the gate: polling re-arms or stops the timer under it, never after it is disposed.
            disposed = true;
            pollTimer.Dispose();
        }

        if (stopFd >= 0)
        {
            WriteEvent(stopFd);
        }

        thread?.Join();
        if (inotifyFd >= 0)
        {
            _ = Close(inotifyFd);
        }

        if (stopFd >= 0)
        {
            _ = Close(stopFd);
        }

        coalescer.Dispose();
    }

    private void AddTree(string relative)
    {
        var queue = new Queue<string>();
        queue.Enqueue(relative);
        while (queue.Count > 0)
        {
            var folder = queue.Dequeue();
            var full = folder.Length == 0 ? root : Path.Combine(root, folder);
            if (folder.Length > 0 && ignore.IsIgnored(folder, isDirectory: true))
            {
                continue;
            }

            if (!AddWatch(folder, full))
            {
                continue;
            }

            IEnumerable<string> children;
            try
            {
                children = Directory.EnumerateDirectories(full).Select(Path.GetFileName).OfType<string>().ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (var name in children)
            {
                var child = folder.Length == 0 ? name : folder + "/" + name;
                if (FileStat.Lstat(Path.Combine(root, child)) is { Kind: EntryKind.Directory })
                {
                    queue.Enqueue(child);
                }
            }
        }
    }

    /// <summary>Returns false when the folder is gone; a refused watch puts the folder on the polling list instead.</summary>
    private bool AddWatch(string folder, string full)
    {
        lock (gate)
        {
            if (byPath.ContainsKey(folder))
            {
                return true;
            }

            // The root itself may be a symlink to the real folder (a common setup); below it, links are never followed.
            var mask = folder.Length == 0 ? WatchMask & ~InDontFollow : WatchMask;
            var wd = WatchLimit is { } limit && byPath.Count >= limit ? -ENOSPC : InotifyAddWatch(inotifyFd, full, mask);
            if (wd < 0)
            {
                var errno = wd == -ENOSPC ? ENOSPC : Marshal.GetLastPInvokeError();
                if (errno != ENOSPC && folder.Length == 0)
                {
                    throw new IOException($"cannot watch {full}: {Marshal.GetPInvokeErrorMessage(errno)}");
                }

                if (errno != ENOSPC)
                {
                    return false; // vanished meanwhile; its parent's events cover it
                }

                polled.Add(folder);
                ArmPolling();
                if (!budgetWarned)
                {
                    budgetWarned = true;
                    var max = ReadMaxWatches();
                    Warning?.Invoke($"the inotify watch budget is exhausted (fs.inotify.max_user_watches = {max}); folders beyond it are polled every {PollInterval.TotalSeconds:0} s. " +
                        $"Fix: sudo sysctl fs.inotify.max_user_watches={Math.Max(524288, (max ?? 8192) * 4)} (persist it in /etc/sysctl.d/), or ignore big generated folders in .yakignore.");
                }

                return true;
            }

            if (byWatch.TryGetValue(wd, out var previous))
            {
                byPath.Remove(previous);
            }

            byWatch[wd] = folder;
            byPath[folder] = wd;
            polled.Remove(folder);
            return true;
        }
    }

    private void RemoveTree(string folder)
    {
        lock (gate)
        {
            foreach (var path in byPath.Keys.Where(p => p == folder || Snapshot.IsUnder(p, folder)).ToList())
            {
                var wd = byPath[path];
                byPath.Remove(path);
                byWatch.Remove(wd);
                _ = InotifyRmWatch(inotifyFd, wd);
            }

            polled.RemoveWhere(p => p == folder || Snapshot.IsUnder(p, folder));
        }
    }

    /// <summary>
    /// The poll timer runs only while some folder is polled: an idle daemon with every folder watched is never woken
    /// (a 2 s tick per session is wake-ups a laptop pays for nothing).
    /// </summary>
    private void ArmPolling()
    {
        lock (gate)
        {
            if (polled.Count > 0 && inotifyFd >= 0 && !disposed)
            {
                pollTimer.Change(PollInterval, PollInterval);
            }
        }
    }

    private void Poll()
    {
        List<string> folders;
        lock (gate)
        {
            folders = [.. polled];
            if (folders.Count == 0 && !disposed)
            {
                pollTimer.Change(Timeout.Infinite, Timeout.Infinite);
            }
        }

        foreach (var folder in folders)
        {
            coalescer.Add(folder);
        }
    }

    private unsafe void ReadLoop()
    {
        var buffer = new byte[64 * 1024];
        var fds = stackalloc PollFd[2];
        while (!disposed)
        {
            fds[0] = new PollFd { Fd = inotifyFd, Events = 1 };
            fds[1] = new PollFd { Fd = stopFd, Events = 1 };
            if (PollFds(fds, 2, -1) < 0)
            {
                continue; // EINTR
            }

            if (disposed || fds[1].Revents != 0)
            {
                return;
            }

            long read;
            fixed (byte* p = buffer)
            {
                read = (long)ReadFd(inotifyFd, p, buffer.Length);
            }

            if (read <= 0)
            {
                continue;
            }

            Parse(buffer.AsSpan(0, (int)read));
        }
    }

    /// <summary>Decodes a buffer of struct inotify_event records (internal for tests: overflow cannot be provoked reliably).</summary>
    internal void Parse(ReadOnlySpan<byte> events)
    {
        var offset = 0;
        while (offset + 16 <= events.Length)
        {
            var wd = BitConverter.ToInt32(events[offset..]);
            var mask = BitConverter.ToUInt32(events[(offset + 4)..]);
            var length = BitConverter.ToInt32(events[(offset + 12)..]);
            var nameBytes = events.Slice(offset + 16, length);
            var end = nameBytes.IndexOf((byte)0);
            var name = Encoding.UTF8.GetString(end >= 0 ? nameBytes[..end] : nameBytes);
            offset += 16 + length;

            if ((mask & InQueueOverflow) != 0)
            {
                Warning?.Invoke("the inotify event queue overflowed; rescanning the tree");
                coalescer.Add("");
                continue;
            }

            string? folder;
            lock (gate)
            {
                byWatch.TryGetValue(wd, out folder);
                if ((mask & InIgnored) != 0 && folder is not null)
                {
                    byWatch.Remove(wd);
                    if (byPath.TryGetValue(folder, out var current) && current == wd)
                    {
                        byPath.Remove(folder);
                    }

                    continue;
                }
            }

            if (folder is null)
            {
                continue;
            }

            if (name.Length == 0)
            {
                if ((mask & (InDeleteSelf | InMoveSelf)) != 0)
                {
                    coalescer.Add(folder);
                }

                continue;
            }

            var path = folder.Length == 0 ? name : folder + "/" + name;
            var isDir = (mask & InIsDir) != 0;
            if (isDir && (mask & InMovedFrom) != 0)
            {
                RemoveTree(path);
            }
            else if (isDir && (mask & (InCreate | InMovedTo)) != 0)
            {
                AddTree(path);
            }

            if (IgnoreRules.IsIgnoreFile(name) || !ignore.IsIgnored(path, isDir))
            {
                coalescer.Add(path);
            }
        }
    }

    private static int? ReadMaxWatches()
    {
        try
        {
            return int.TryParse(File.ReadAllText("/proc/sys/fs/inotify/max_user_watches").Trim(), out var n) ? n : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static unsafe void WriteEvent(int fd)
    {
        ulong one = 1;
        _ = WriteFd(fd, (byte*)&one, 8);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "inotify_init1", SetLastError = true)]
    private static partial int InotifyInit1(int flags);

    [LibraryImport("libc", EntryPoint = "inotify_add_watch", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int InotifyAddWatch(int fd, string path, uint mask);

    [LibraryImport("libc", EntryPoint = "inotify_rm_watch", SetLastError = true)]
    private static partial int InotifyRmWatch(int fd, int wd);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int PollFds(PollFd* fds, ulong count, int timeout);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint ReadFd(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteFd(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
