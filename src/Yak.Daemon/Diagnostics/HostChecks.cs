using System.Globalization;
using Yak.Daemon.Environments;
using Yak.Environments;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Diagnostics;

/// <summary>The checks of this machine: the inotify budget against the watched trees, free space, declared local ports.</summary>
internal static class HostChecks
{
    /// <summary>Where Linux keeps the per-user inotify budget; <see cref="LimitFileVariable"/> points elsewhere (tests).</summary>
    public const string DefaultLimitFile = "/proc/sys/fs/inotify/max_user_watches";

    public const string LimitFileVariable = "YAK_INOTIFY_LIMIT_FILE";

    public const long LowSpaceBytes = 1L << 30;

    public const long CriticalSpaceBytes = 100L << 20;

    /// <summary>
    /// Every folder of a watched tree costs one watch. Counting stops past the budget: a tree larger than that is
    /// over it whatever its size, and a huge tree must not make doctor slow.
    /// </summary>
    public static DoctorCheckInfo Inotify(IReadOnlyList<string> watchedRoots)
    {
        const string Name = "inotify watches";
        var limitFile = Environment.GetEnvironmentVariable(LimitFileVariable) is { Length: > 0 } configured ? configured : DefaultLimitFile;
        if (!OperatingSystem.IsLinux() && limitFile == DefaultLimitFile)
        {
            return Checks.Pass(Name, "not Linux: the platform's watcher has no per-user budget");
        }

        if (!File.Exists(limitFile) || !long.TryParse(File.ReadAllText(limitFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var budget))
        {
            return Checks.Warn(Name, $"cannot read the budget from {limitFile}", YakErrors.InotifyBudget);
        }

        var folders = 0L;
        foreach (var root in watchedRoots.Distinct(StringComparer.Ordinal))
        {
            folders += CountFolders(root, budget + 1 - folders);
            if (folders > budget)
            {
                break;
            }
        }

        var said = $"{Count(folders, budget)} folders in {watchedRoots.Count} watched tree(s), budget {budget.ToString(CultureInfo.InvariantCulture)} ({limitFile})";
        return folders > budget ? Checks.Fail(Name, said + ": changes beyond the budget are found by rescans only", YakErrors.InotifyBudget)
            : folders * 2 > budget ? Checks.Warn(Name, said + ": more than half of the budget, which other programs share", YakErrors.InotifyBudget)
            : Checks.Pass(Name, said);
    }

    public static DoctorCheckInfo FreeSpace(string stateDirectory)
    {
        const string Name = "free space";
        long free;
        try
        {
            free = new DriveInfo(Existing(stateDirectory)).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return Checks.Warn(Name, $"cannot read the free space of {stateDirectory}: {ex.Message}", YakErrors.LowDiskSpace);
        }

        var said = $"{Mib(free)} free for {stateDirectory}";
        return free < CriticalSpaceBytes ? Checks.Fail(Name, $"{said} (under {Mib(CriticalSpaceBytes)}): logs and sync state may not be saved", YakErrors.LowDiskSpace)
            : free < LowSpaceBytes ? Checks.Warn(Name, $"{said} (under {Mib(LowSpaceBytes)})", YakErrors.LowDiskSpace)
            : Checks.Pass(Name, said);
    }

    /// <summary>The local ports the folder's yak.yaml forwards: free, or held by this environment's own forward.</summary>
    public static IEnumerable<DoctorCheckInfo> DeclaredPorts(string folder, IEnvironmentForwards forwards)
    {
        if (folder.Length == 0 || (!Directory.Exists(folder) && !File.Exists(folder)))
        {
            yield break;
        }

        var file = Directory.Exists(folder) ? EnvironmentSpecLoader.FindSpecFile(folder) : folder;
        if (file is null)
        {
            yield break;
        }

        var loaded = EnvironmentSpecLoader.Load(file);
        if (!loaded.Success)
        {
            yield return Checks.Fail($"spec {file}", string.Join("\n", loaded.Errors.Select(e => e.ToString())), YakErrors.SpecInvalid);
            yield break;
        }

        foreach (var service in loaded.Spec!.Services)
        {
            foreach (var port in service.Ports.Where(p => p.LocalPort is > 0).Select(p => p.LocalPort!.Value).Distinct())
            {
                var name = $"local port {port.ToString(CultureInfo.InvariantCulture)} ({service.Name})";
                var holder = forwards.OnPort(port);
                if (holder is not null)
                {
                    yield return holder.Environment == loaded.Spec.Name
                        ? Checks.Pass(name, $"forwarded by yakd ({holder.Name})")
                        : Checks.Fail(name, $"held by yakd's forward '{holder.Name}'{(holder.Environment.Length > 0 ? $" of environment '{holder.Environment}'" : string.Empty)}", YakErrors.LocalPortBusy);
                }
                else if (LocalPorts.IsFree(port))
                {
                    yield return Checks.Pass(name, "free");
                }
                else
                {
                    yield return Checks.Fail(name, $"taken by {Yak.Forwarding.PortHolder.Find(port) ?? "another process"}", YakErrors.LocalPortBusy);
                }
            }
        }
    }

    private static long CountFolders(string root, long atMost)
    {
        if (!Directory.Exists(root) || atMost <= 0)
        {
            return 0;
        }

        // The root is watched too; links are not followed (the watcher does not follow them either).
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        var count = 1L;
        foreach (var _ in Directory.EnumerateDirectories(root, "*", options))
        {
            if (++count >= atMost)
            {
                break;
            }
        }

        return count;
    }

    private static string Existing(string path)
    {
        var directory = new DirectoryInfo(path);
        while (!directory.Exists && directory.Parent is not null)
        {
            directory = directory.Parent;
        }

        return directory.FullName;
    }

    private static string Count(long folders, long budget) => folders > budget ? $"more than {budget.ToString(CultureInfo.InvariantCulture)}" : folders.ToString(CultureInfo.InvariantCulture);

    private static string Mib(long bytes) => $"{(bytes >> 20).ToString(CultureInfo.InvariantCulture)} MiB";
}
