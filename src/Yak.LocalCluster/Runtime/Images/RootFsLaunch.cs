using System.Globalization;

namespace Yak.LocalCluster.Runtime.Images;

/// <summary>
/// Runs a container in its image's root filesystem. Inside the container's private mount namespace a tmpfs holds
/// the writable layer: an overlay of the shared, read-only image root (lower) and that tmpfs (upper) becomes the
/// container's <c>/</c>, so writes never reach the image, nothing is copied at start, and a restarted container
/// starts from the image again, as on Kubernetes. Then <c>/proc</c>, a <c>/dev</c> with the basic devices and a
/// private devpts, <c>/sys</c> read-only, the pod's hosts file and volumes are mounted, and the command is started
/// with its root changed (<c>nsenter --root</c>, a chroot inside a mount namespace nothing else shares) and as the
/// image's (or securityContext's) user.
/// </summary>
/// <remarks>
/// Mount points are resolved here, before the script runs, inside the image's root with symlinks followed as the
/// container would see them but never above that root (as runc's securejoin does): an image whose <c>/data</c> is a
/// link to <c>/etc</c> gets its volume at its own <c>/etc</c>, never at the host's.
/// </remarks>
internal static class RootFsLaunch
{
    // Host tools are named by absolute path and the script's own lookups use the host's PATH: the environment the
    // chain runs with is the container's (an image may set PATH=/usr/local/bin and nothing else).
    private const string Script = """
        set -e
        image=$1 scratch=$2 size=$3 wd=$4 uid=$5 gid=$6 proc=$7 dev=$8 sys=$9 hostpath=${10} nsenter=${11}; shift 11
        # The environment is the container's: its PATH may not reach the host's tools, so they run on the host's
        # PATH and the container's is put back for the command itself.
        cpath=${PATH-} cpath_set=${PATH+1}
        PATH=$hostpath
        mount -t tmpfs -o mode=0700,size="$size" yak-container "$scratch"
        mkdir "$scratch/upper" "$scratch/work" "$scratch/root"
        r=$scratch/root
        if ! mount -t overlay overlay -o "lowerdir=$image,upperdir=$scratch/upper,workdir=$scratch/work" "$r" 2>/dev/null; then
          cp -a "$image/." "$r/"
        fi
        mkdir -p "$r/$proc" "$r/$dev" "$r/$sys"
        mount -t proc -o nosuid,nodev,noexec proc "$r/$proc"
        d=$r/$dev
        mount -t tmpfs -o nosuid,mode=0755 yak-dev "$d"
        for n in null zero full random urandom tty; do : > "$d/$n"; mount --bind "/dev/$n" "$d/$n"; done
        mkdir "$d/pts" "$d/shm"
        mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$d/pts" 2>/dev/null && ln -s pts/ptmx "$d/ptmx" || true
        mount -t tmpfs -o nosuid,nodev,mode=1777 shm "$d/shm"
        ln -s /proc/self/fd "$d/fd"; ln -s /proc/self/fd/0 "$d/stdin"; ln -s /proc/self/fd/1 "$d/stdout"; ln -s /proc/self/fd/2 "$d/stderr"
        mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$r/$sys" 2>/dev/null || true
        while [ "$1" != "--" ]; do
          t="$r/$2"
          if [ -d "$1" ]; then mkdir -p "$t"; elif [ ! -e "$t" ]; then mkdir -p "$(dirname "$t")"; : > "$t"; fi
          mount --bind "$1" "$t"
          if [ "$3" = ro ]; then mount -o remount,bind,ro "$t"; fi
          shift 3
        done
        shift
        mkdir -p "$r/$wd"
        if [ -n "$cpath_set" ]; then PATH=$cpath; else unset PATH; fi
        exec "$nsenter" -t $$ --root="$r" --wdns="/$wd" -S "$uid" -G "$gid" -- "$@"
        """;

    /// <summary>How long a container's mounts may take before it is reported running anyway.</summary>
    private static readonly TimeSpan EnterRootLimit = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Completes once the process started from <see cref="Wrap"/> runs in the image's root (the script's last step
    /// changed its root) or has exited. Until then an exec would join its mount namespace with the host's root, where
    /// the image's files are not: a runtime reports a container running only once it is in its root filesystem.
    /// </summary>
    public static async Task WaitUntilInRootAsync(LocalProcess process, CancellationToken cancellationToken)
    {
        // No event announces a change of root: /proc/PID/root is read every 2 ms (the mounts before it take tens of
        // ms), bounded by the process's exit and a limit.
        var link = new FileInfo($"/proc/{process.Pid.ToString(CultureInfo.InvariantCulture)}/root");
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!process.HasExited && waited.Elapsed < EnterRootLimit)
        {
            string? root;
            try
            {
                link.Refresh();
                root = link.LinkTarget;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return;
            }

            if (root is not null && root != "/")
            {
                return;
            }

            await Task.WhenAny(process.Exited, Task.Delay(TimeSpan.FromMilliseconds(2), cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// The argv (run inside the pod's namespaces) that starts <paramref name="argv"/> in the image.
    /// <paramref name="binds"/> are (host source, container path, rw|ro), hosts file and volumes alike.
    /// </summary>
    public static IReadOnlyList<string> Wrap(string holderPid, ImageEntry image, string scratch, long scratchBytes, string workingDir, (long Uid, long Gid) user, IEnumerable<(string Source, string Target, string Mode)> binds, IReadOnlyList<string> argv)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("images are Linux root filesystems");
        }

        var rootfs = image.RootFs ?? throw new InvalidOperationException("not a pulled image");
        if (rootfs.Contains(',', StringComparison.Ordinal) || rootfs.Contains(':', StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the state folder {rootfs} has a ',' or ':', which overlay mounts cannot take; move the local cluster's state folder");
        }

        Directory.CreateDirectory(scratch, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        List<string> wrapped =
        [
            HostCommand.Resolve("nsenter"), "-t", holderPid, "-n", "-u", "--", HostCommand.Resolve("unshare"), "-m", "--propagation", "private", "--", HostCommand.Resolve("sh"), "-c", Script, "yak-container",
            rootfs, scratch, scratchBytes.ToString(CultureInfo.InvariantCulture), ResolveInRoot(rootfs, workingDir),
            user.Uid.ToString(CultureInfo.InvariantCulture), user.Gid.ToString(CultureInfo.InvariantCulture),
            ResolveInRoot(rootfs, "/proc"), ResolveInRoot(rootfs, "/dev"), ResolveInRoot(rootfs, "/sys"),
            HostCommand.HostPath, HostCommand.Resolve("nsenter"),
        ];
        foreach (var (source, target, mode) in binds)
        {
            wrapped.AddRange([source, ResolveInRoot(rootfs, target), mode]);
        }

        wrapped.Add("--");
        wrapped.AddRange(argv);
        return wrapped;
    }

    /// <summary>
    /// A path inside the image as the container resolves it, relative to the image root: symlinks followed with the
    /// root as <c>/</c>, <c>..</c> never above it, at most 40 links. Missing parts are kept as written (they become folders).
    /// </summary>
    internal static string ResolveInRoot(string root, string path)
    {
        var pending = new LinkedList<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var resolved = new List<string>();
        var links = 0;
        while (pending.First is { } first)
        {
            var part = first.Value;
            pending.RemoveFirst();
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            var candidate = Path.Combine(root, string.Join('/', resolved), part);
            if (new FileInfo(candidate).LinkTarget is { } target)
            {
                if (++links > 40)
                {
                    throw new InvalidOperationException($"too many levels of symbolic links resolving {path} in the image");
                }

                if (target.StartsWith('/'))
                {
                    resolved.Clear();
                }

                foreach (var next in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
                {
                    pending.AddFirst(next);
                }

                continue;
            }

            resolved.Add(part);
        }

        return string.Join('/', resolved);
    }

    /// <summary>
    /// The uid and gid a container runs as: securityContext's runAsUser/runAsGroup first, else the image's User
    /// (<c>uid</c>, <c>name</c>, <c>uid:gid</c>, <c>name:group</c>, names looked up in the image's /etc/passwd and
    /// /etc/group); root when neither says. Also the user's home folder, for HOME.
    /// </summary>
    public static (long Uid, long Gid, string Home) ResolveUser(string root, string imageUser, long? runAsUser, long? runAsGroup)
    {
        var text = imageUser.Trim();
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var userPart = colon >= 0 ? text[..colon] : text;
        var groupPart = colon >= 0 ? text[(colon + 1)..] : string.Empty;
        var passwd = ReadTable(root, "etc/passwd");
        long uid = 0;
        long? gid = null;
        var home = "/";
        if (userPart.Length > 0)
        {
            var entry = passwd.FirstOrDefault(p => p.Length > 6 && (p[0] == userPart || p[2] == userPart));
            if (entry is not null)
            {
                uid = long.Parse(entry[2], CultureInfo.InvariantCulture);
                gid = long.TryParse(entry[3], CultureInfo.InvariantCulture, out var primary) ? primary : null;
                home = entry[5];
            }
            else if (!long.TryParse(userPart, CultureInfo.InvariantCulture, out uid))
            {
                throw new InvalidOperationException($"unable to find user {userPart}: no matching entries in passwd file");
            }
        }
        else if (passwd.FirstOrDefault(p => p.Length > 6 && p[2] == "0") is { } rootEntry)
        {
            home = rootEntry[5];
        }

        if (groupPart.Length > 0)
        {
            var group = ReadTable(root, "etc/group").FirstOrDefault(g => g.Length > 2 && (g[0] == groupPart || g[2] == groupPart));
            gid = group is not null
                ? long.Parse(group[2], CultureInfo.InvariantCulture)
                : long.TryParse(groupPart, CultureInfo.InvariantCulture, out var numeric) ? numeric : throw new InvalidOperationException($"unable to find group {groupPart}: no matching entries in group file");
        }

        if (runAsUser is { } forced)
        {
            uid = forced;
            home = passwd.FirstOrDefault(p => p.Length > 6 && p[2] == forced.ToString(CultureInfo.InvariantCulture))?[5] ?? "/";
        }

        return (uid, runAsGroup ?? gid ?? 0, home);
    }

    /// <summary>A colon-separated table from the image (passwd, group), read through <see cref="ResolveInRoot"/>; empty when absent.</summary>
    private static List<string[]> ReadTable(string root, string path)
    {
        var file = Path.Combine(root, ResolveInRoot(root, path));
        var info = new FileInfo(file);
        if (!info.Exists || info.LinkTarget is not null || info.Length > 4 * 1024 * 1024)
        {
            return [];
        }

        return [.. File.ReadLines(file).Where(l => !l.StartsWith('#')).Select(l => l.Split(':'))];
    }
}
