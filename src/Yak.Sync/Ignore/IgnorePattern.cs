using System.Text;

namespace Yak.Sync.Ignore;

/// <summary>One line of a .gitignore/.yakignore, parsed as git's dir.c does (parse_path_pattern).</summary>
public sealed class IgnorePattern
{
    private readonly byte[] glob;

    private IgnorePattern(string text, byte[] glob, bool negated, bool directoryOnly, bool basenameOnly)
    {
        Text = text;
        this.glob = glob;
        Negated = negated;
        DirectoryOnly = directoryOnly;
        BasenameOnly = basenameOnly;
    }

    public string Text { get; }

    public bool Negated { get; }

    public bool DirectoryOnly { get; }

    /// <summary>No slash except a trailing one: matches the name at any depth below the file's folder.</summary>
    public bool BasenameOnly { get; }

    /// <summary>Parses one line; null for blanks and comments.</summary>
    public static IgnorePattern? Parse(string line)
    {
        if (line.EndsWith('\r'))
        {
            line = line[..^1];
        }

        line = TrimTrailingSpaces(line);
        if (line.Length == 0 || line[0] == '#')
        {
            return null;
        }

        var text = line;
        var negated = false;
        if (line[0] == '!')
        {
            negated = true;
            line = line[1..];
        }

        var directoryOnly = false;
        if (line.EndsWith('/'))
        {
            directoryOnly = true;
            line = line[..^1];
        }

        if (line.Length == 0)
        {
            return null;
        }

        var basenameOnly = !line.Contains('/', StringComparison.Ordinal);
        if (line[0] == '/')
        {
            line = line[1..];
        }

        return new IgnorePattern(text, Encoding.UTF8.GetBytes(line), negated, directoryOnly, basenameOnly);
    }

    /// <summary>
    /// Does the pattern match? <paramref name="relativeToBase"/> is the path relative to the folder holding the
    /// pattern's file, <paramref name="basename"/> its last component (both UTF-8).
    /// </summary>
    public bool Matches(byte[] relativeToBase, byte[] basename, bool isDirectory)
    {
        if (DirectoryOnly && !isDirectory)
        {
            return false;
        }

        return BasenameOnly
            ? Wildmatch.IsMatch(glob, basename, pathname: false)
            : Wildmatch.IsMatch(glob, relativeToBase, pathname: true);
    }

    public static IReadOnlyList<IgnorePattern> ParseAll(string content) =>
        content.Split('\n').Select(Parse).OfType<IgnorePattern>().ToList();

    private static string TrimTrailingSpaces(string line)
    {
        var end = line.Length;
        while (end > 0 && line[end - 1] == ' ')
        {
            // A space preceded by an (unescaped) backslash is kept.
            var backslashes = 0;
            for (var i = end - 2; i >= 0 && line[i] == '\\'; i--)
            {
                backslashes++;
            }

            if (backslashes % 2 == 1)
            {
                break;
            }

            end--;
        }

        return line[..end];
    }
}
