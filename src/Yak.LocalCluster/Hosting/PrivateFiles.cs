namespace Yak.LocalCluster.Hosting;

/// <summary>
/// Files only their owner can read, private from creation: created 0600 (0700 for folders) by the open call itself,
/// written under a fresh unpredictable name opened with O_EXCL (so a planted symlink fails the open instead of being
/// followed) and renamed over the target (rename replaces a link, never writes through it).
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates the folder 0700, or narrows an existing one of ours to 0700; refuses a symlink in its place.</summary>
    public static string EnsureFolder(string path)
    {
        var full = Path.GetFullPath(path);
        var info = new DirectoryInfo(full);
        if (info.Exists)
        {
            if (info.LinkTarget is not null)
            {
                throw new IOException($"{full} is a symbolic link; the cluster's state must be a real folder. Remove the link or pick another --state-dir.");
            }

            if (!OperatingSystem.IsWindows() && (info.UnixFileMode & ~FolderMode) != 0)
            {
                info.UnixFileMode = FolderMode;
            }

            return full;
        }

        var parent = Path.GetDirectoryName(full);
        if (parent is not null && !Directory.Exists(parent))
        {
            // Parents the cluster did not own before are made private too (they hold nothing else of anyone's).
            EnsureFolder(parent);
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(full);
        }
        else
        {
            Directory.CreateDirectory(full, FolderMode);
        }

        return full;
    }

    public static void WriteAtomic(string path, string content) => WriteAtomic(path, System.Text.Encoding.UTF8.GetBytes(content));

    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/> atomically; the file is 0600 from its first byte.</summary>
    public static void WriteAtomic(string path, ReadOnlySpan<byte> content)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
        {
            EnsureFolder(folder);
        }

        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}.tmp");
        try
        {
            using (var stream = new FileStream(temp, CreateNewOptions()))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Opens a new file for writing, 0600 from creation; fails when anything (a link included) is already there.</summary>
    public static FileStream CreateNew(string path) => new(path, CreateNewOptions());

    private static FileStreamOptions CreateNewOptions()
    {
        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        return options;
    }
}
