using System.Collections.Concurrent;
using System.Text;

namespace Yak.Sync.Ignore;

/// <summary>What to leave out of a sync.</summary>
public sealed record IgnoreSettings
{
    /// <summary>Extra patterns (gitignore syntax) from the environment spec; they win over every ignore file.</summary>
    public IReadOnlyList<string> Excludes { get; init; } = [];

    public bool UseGitignore { get; init; } = true;

    public bool UseYakignore { get; init; } = true;

    public static IgnoreSettings Default { get; } = new();
}

/// <summary>
/// .gitignore semantics over a tree: per-folder <c>.gitignore</c> and <c>.yakignore</c> (same syntax; .yakignore wins
/// in its folder), deeper files win over shallower ones, the last matching line of a file wins, <c>!</c> re-includes,
/// and nothing inside an ignored folder can be re-included (as in git). Configured excludes outrank every file.
/// <c>.git</c> is always excluded. Ignore files are read lazily and cached; <see cref="Invalidate"/> drops a folder's.
/// </summary>
public sealed class IgnoreRules
{
    public const string GitignoreName = ".gitignore";
    public const string YakignoreName = ".yakignore";

    private readonly string root;
    private readonly IgnoreSettings settings;
    private readonly IReadOnlyList<IgnorePattern> excludes;
    private readonly ConcurrentDictionary<string, IReadOnlyList<IgnorePattern>> perFolder = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> refused = new(StringComparer.Ordinal);

    /// <summary>Largest ignore file read; a bigger one (or /dev/zero behind a link) is refused, not read into memory.</summary>
    public const int MaxFileBytes = 1 << 20;

    public IgnoreRules(string root, IgnoreSettings? settings = null)
    {
        this.root = Path.GetFullPath(root);
        this.settings = settings ?? IgnoreSettings.Default;
        excludes = this.settings.Excludes.Select(IgnorePattern.Parse).OfType<IgnorePattern>().ToList();
    }

    public static bool IsIgnoreFile(string name) => name is GitignoreName or YakignoreName;

    /// <summary>Forget the cached patterns of one folder ("" = root), after its ignore file changed.</summary>
    public void Invalidate(string relativeFolder)
    {
        perFolder.TryRemove(relativeFolder, out _);
        foreach (var name in new[] { GitignoreName, YakignoreName })
        {
            refused.TryRemove(relativeFolder.Length == 0 ? name : relativeFolder + "/" + name, out _);
        }
    }

    public void InvalidateAll()
    {
        perFolder.Clear();
        refused.Clear();
    }

    /// <summary>Ignore files refused (not a regular file, or too large), with why: reported as problems by the session.</summary>
    public IReadOnlyList<(string Path, string Message)> Refused => [.. refused.Select(r => (r.Key, r.Value))];

    /// <summary>Is the path ignored, itself or through any ignored parent folder?</summary>
    public bool IsIgnored(string relativePath, bool isDirectory)
    {
        var slash = relativePath.IndexOf('/', StringComparison.Ordinal);
        while (slash >= 0)
        {
            if (IsExcludedItself(relativePath[..slash], isDirectory: true))
            {
                return true;
            }

            slash = relativePath.IndexOf('/', slash + 1);
        }

        return IsExcludedItself(relativePath, isDirectory);
    }

    /// <summary>Decides for the path itself, assuming its parents are not ignored (what a tree walk needs).</summary>
    public bool IsExcludedItself(string relativePath, bool isDirectory)
    {
        var lastSlash = relativePath.LastIndexOf('/');
        var name = relativePath[(lastSlash + 1)..];
        if (name == ".git")
        {
            return true;
        }

        var fullBytes = Encoding.UTF8.GetBytes(relativePath);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        if (Decide(excludes, fullBytes, nameBytes, isDirectory) is { } configured)
        {
            return configured;
        }

        // Deepest folder first; within one folder .yakignore before .gitignore.
        var folderEnd = lastSlash;
        while (true)
        {
            var folder = folderEnd < 0 ? "" : relativePath[..folderEnd];
            var patterns = PatternsOf(folder);
            if (patterns.Count > 0)
            {
                var relative = folder.Length == 0 ? fullBytes : Encoding.UTF8.GetBytes(relativePath[(folder.Length + 1)..]);
                if (Decide(patterns, relative, nameBytes, isDirectory) is { } decided)
                {
                    return decided;
                }
            }

            if (folderEnd < 0)
            {
                return false;
            }

            folderEnd = folder.LastIndexOf('/');
        }
    }

    private static bool? Decide(IReadOnlyList<IgnorePattern> patterns, byte[] relative, byte[] name, bool isDirectory)
    {
        for (var i = patterns.Count - 1; i >= 0; i--)
        {
            if (patterns[i].Matches(relative, name, isDirectory))
            {
                return !patterns[i].Negated;
            }
        }

        return null;
    }

    private IReadOnlyList<IgnorePattern> PatternsOf(string folder) => perFolder.GetOrAdd(folder, f =>
    {
        var list = new List<IgnorePattern>();
        var directory = f.Length == 0 ? root : Path.Combine(root, f);
        if (settings.UseGitignore)
        {
            list.AddRange(Read(f, GitignoreName));
        }

        if (settings.UseYakignore)
        {
            list.AddRange(Read(f, YakignoreName));
        }

        return list;
    });

    /// <summary>
    /// Reads one ignore file if it is a regular file (not a link, FIFO or device: opened O_NOFOLLOW|O_NONBLOCK, so a
    /// FIFO cannot hang the scan) of at most <see cref="MaxFileBytes"/>; anything else is refused and remembered.
    /// </summary>
    private IReadOnlyList<IgnorePattern> Read(string folder, string name)
    {
        var relative = folder.Length == 0 ? name : folder + "/" + name;
        var path = Path.Combine(root, relative);
        if (Scanning.FileStat.Lstat(path) is not { } stat)
        {
            return [];
        }

        try
        {
            if (stat.Kind != Scanning.EntryKind.File)
            {
                throw new IOException("not a regular file (a link, FIFO, device or folder); ignore files must be plain files in the tree");
            }

            var (stream, opened) = Paths.NoFollowFile.OpenRead(path);
            using (stream)
            {
                if (opened.Size > MaxFileBytes)
                {
                    throw new IOException($"{opened.Size} bytes, more than the {MaxFileBytes} an ignore file may have");
                }

                var buffer = new byte[opened.Size];
                stream.ReadExactly(buffer);
                refused.TryRemove(relative, out _);
                return IgnorePattern.ParseAll(Encoding.UTF8.GetString(buffer));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            refused[relative] = $"ignore file refused: {e.Message}";
            return [];
        }
    }
}
