using System.Globalization;

namespace Yak.Forwarding;

/// <summary>The local port of a forward is taken. The message names the port and, when it can be found, the process holding it.</summary>
public sealed class PortInUseException : Exception
{
    public PortInUseException(int port, string? holder, Exception? inner = null)
        : base(holder is null
            ? $"local port {port} on 127.0.0.1 is already in use; pick another local port (or 0 for any free one)"
            : $"local port {port} on 127.0.0.1 is already in use by {holder}; stop it or pick another local port (or 0 for any free one)", inner)
    {
        Port = port;
        Holder = holder;
    }

    public PortInUseException()
        : this(0, null)
    {
    }

    public PortInUseException(string message)
        : base(message)
    {
    }

    public PortInUseException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public int Port { get; }

    /// <summary>e.g. <c>pid 1234 (python3 -m http.server 8080)</c>, or null when unknown (another user's process, not Linux).</summary>
    public string? Holder { get; }
}

/// <summary>Finds which process listens on a TCP port (Linux: /proc/net/tcp* → socket inode → /proc/*/fd).</summary>
public static class PortHolder
{
    public static string? Find(int port)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var inodes = ListeningInodes("/proc/net/tcp", port).Concat(ListeningInodes("/proc/net/tcp6", port)).ToHashSet(StringComparer.Ordinal);
            if (inodes.Count == 0)
            {
                return null;
            }

            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || !OwnsSocket(dir, inodes))
                {
                    continue;
                }

                var command = ReadCommand(dir);
                return command is null ? $"pid {pid}" : $"pid {pid} ({command})";
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static IEnumerable<string> ListeningInodes(string table, int port)
    {
        if (!File.Exists(table))
        {
            yield break;
        }

        foreach (var line in File.ReadLines(table).Skip(1))
        {
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 10 || fields[3] != "0A")
            {
                continue;
            }

            var colon = fields[1].LastIndexOf(':');
            if (colon > 0 && int.TryParse(fields[1].AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var local) && local == port)
            {
                yield return fields[9];
            }
        }
    }

    private static bool OwnsSocket(string processDir, HashSet<string> inodes)
    {
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(processDir, "fd")))
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal) && inodes.Contains(target[8..^1]))
                {
                    return true;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return false;
    }

    private static string? ReadCommand(string processDir)
    {
        try
        {
            var cmdline = File.ReadAllText(Path.Combine(processDir, "cmdline")).TrimEnd('\0').Replace('\0', ' ');
            if (cmdline.Length == 0)
            {
                cmdline = File.ReadAllText(Path.Combine(processDir, "comm")).Trim();
            }

            return cmdline.Length > 120 ? cmdline[..120] + "…" : cmdline;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
