using System.Text;

namespace Yak.Sync.Paths;

/// <summary>Thrown when a path or a symlink target would leave the root or is malformed.</summary>
public sealed class PathRefusedException(string path, string reason)
    : Exception($"refused path '{Printable(path)}': {reason}")
{
    public string Path { get; } = path;

    public string Reason { get; } = reason;

    public static string Printable(string path) => path.Replace("\0", "\\0", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}

/// <summary>
/// The agent's guard. Relative paths travel with '/' separators. A path is accepted only if it is relative, has no
/// empty, '.' or '..' component, no NUL or backslash, fits NAME_MAX/PATH_MAX, and none of its existing parent
/// components is anything but a real directory (lstat: a symlinked parent could point anywhere).
/// </summary>
public sealed class PathValidator(string root)
{
    public const int MaxNameBytes = 255;
    public const int MaxPathBytes = 4095;

    public string Root { get; } = System.IO.Path.GetFullPath(root);

    /// <summary>Checks the syntax only (no file system access).</summary>
    public static void CheckSyntax(string relative)
    {
        if (string.IsNullOrEmpty(relative))
        {
            throw new PathRefusedException(relative ?? "", "empty path");
        }

        if (relative.Contains('\0', StringComparison.Ordinal))
        {
            throw new PathRefusedException(relative, "contains NUL");
        }

        if (relative.Contains('\\', StringComparison.Ordinal))
        {
            throw new PathRefusedException(relative, "contains a backslash");
        }

        if (relative[0] == '/' || (relative.Length >= 2 && relative[1] == ':'))
        {
            throw new PathRefusedException(relative, "absolute path");
        }

        if (Encoding.UTF8.GetByteCount(relative) > MaxPathBytes)
        {
            throw new PathRefusedException(relative, $"longer than {MaxPathBytes} bytes");
        }

        foreach (var part in relative.Split('/'))
        {
            if (part.Length == 0 || part == "." || part == "..")
            {
                throw new PathRefusedException(relative, $"component '{part}' is not allowed");
            }

            if (Encoding.UTF8.GetByteCount(part) > MaxNameBytes)
            {
                throw new PathRefusedException(relative, $"a name is longer than {MaxNameBytes} bytes");
            }
        }
    }

    /// <summary>Validates <paramref name="relative"/> and returns the absolute path under the root.</summary>
    public string Resolve(string relative)
    {
        CheckSyntax(relative);
        var full = System.IO.Path.Combine(Root, relative);
        var index = relative.IndexOf('/', StringComparison.Ordinal);
        while (index >= 0)
        {
            var parent = System.IO.Path.Combine(Root, relative[..index]);
            var stat = Scanning.FileStat.Lstat(parent);
            if (stat is { } s && s.Kind != Scanning.EntryKind.Directory)
            {
                throw new PathRefusedException(relative, $"parent '{relative[..index]}' is {(s.Kind == Scanning.EntryKind.Symlink ? "a symlink" : "not a directory")}");
            }

            if (stat is null)
            {
                break; // the rest does not exist yet: nothing below it can be a link
            }

            index = relative.IndexOf('/', index + 1);
        }

        return full;
    }

    /// <summary>
    /// The text check of a symlink target: relative, no backslash or NUL, bounded, and not climbing above the root
    /// when read lexically from the link's folder. Necessary, not sufficient: a '..' after a name climbs from wherever
    /// that name resolves, so the agent also resolves the target in its tree (LinkResolver).
    /// </summary>
    public static void CheckLinkTarget(string linkRelative, string target)
    {
        if (string.IsNullOrEmpty(target) || target.Contains('\0', StringComparison.Ordinal))
        {
            throw new PathRefusedException(linkRelative, "empty or NUL symlink target");
        }

        if (target[0] == '/' || target.Contains('\\', StringComparison.Ordinal))
        {
            throw new PathRefusedException(linkRelative, $"symlink target '{Printable(target)}' is absolute or has a backslash");
        }

        if (Encoding.UTF8.GetByteCount(target) > MaxPathBytes)
        {
            throw new PathRefusedException(linkRelative, $"symlink target longer than {MaxPathBytes} bytes");
        }

        var depth = linkRelative.Count(c => c == '/');
        foreach (var part in target.Split('/'))
        {
            if (part == "..")
            {
                depth--;
                if (depth < 0)
                {
                    throw new PathRefusedException(linkRelative, $"symlink target '{Printable(target)}' leaves the root");
                }
            }
            else if (part.Length > 0 && part != ".")
            {
                depth++;
            }
        }
    }

    /// <summary>True when a '..' follows a name: where such a target lands depends on what that name is now.</summary>
    public static bool ClimbsAfterName(string target)
    {
        var named = false;
        foreach (var part in target.Split('/'))
        {
            if (part == ".." && named)
            {
                return true;
            }

            named |= part.Length > 0 && part != "." && part != "..";
        }

        return false;
    }

    private static string Printable(string text) => PathRefusedException.Printable(text);
}
