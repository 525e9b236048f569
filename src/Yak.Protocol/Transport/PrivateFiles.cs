using System.Security.Cryptography;

namespace Yak.Protocol.Transport;

/// <summary>
/// Folders and files yak creates for its user alone: 0700 and 0600 from the moment they exist (the mode is given
/// to mkdir/open, so there is no window before a chmod). Missing parent folders are created 0700 too; folders that
/// already exist are left as they are (they may not be ours to change, e.g. /tmp).
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            // Directory.CreateDirectory(path, mode) gives the mode to the last folder only: create each missing one.
            var missing = new Stack<string>();
            for (var folder = Path.GetFullPath(path); folder is not null && !Directory.Exists(folder); folder = Path.GetDirectoryName(folder))
            {
                missing.Push(folder);
            }

            while (missing.TryPop(out var folder))
            {
                Directory.CreateDirectory(folder, FolderMode);
            }
        }
    }

    /// <summary>Opens <paramref name="path"/>; when this creates it, it is born 0600.</summary>
    public static FileStream Open(string path, System.IO.FileMode mode, FileAccess access, FileShare share, FileOptions options = FileOptions.None) =>
        new(path, Options(mode, access, share, options));

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="content"/> so a crash leaves the old or the new file, never
    /// a mix: a fresh 0600 temp file beside it (O_EXCL, so a planted link fails the open), flushed, renamed over it.
    /// </summary>
    /// <param name="durable">Flushed to disk before the rename (fsync): false for a file whose content is only true while
    /// the writing process lives (a pid), which a crash or power loss would make stale anyway.</param>
    public static void WriteAtomic(string path, ReadOnlySpan<byte> content, bool durable = true)
    {
        var temp = TempBeside(path);
        try
        {
            using (var stream = new FileStream(temp, Options(System.IO.FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None)))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: durable);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static void WriteAtomic(string path, string content, bool durable = true) => WriteAtomic(path, System.Text.Encoding.UTF8.GetBytes(content), durable);

    public static async Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var temp = TempBeside(path);
        try
        {
            var stream = new FileStream(temp, Options(System.IO.FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.Asynchronous));
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static FileStreamOptions Options(System.IO.FileMode mode, FileAccess access, FileShare share, FileOptions options)
    {
        var result = new FileStreamOptions { Mode = mode, Access = access, Share = share, Options = options };
        if (!OperatingSystem.IsWindows() && mode is not System.IO.FileMode.Open and not System.IO.FileMode.Truncate)
        {
            result.UnixCreateMode = FileMode;
        }

        return result;
    }

    private static string TempBeside(string path)
    {
        var full = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.tmp");
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
