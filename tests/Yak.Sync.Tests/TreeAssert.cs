using Yak.Sync.Hashing;
using Yak.Sync.Scanning;

namespace Yak.Sync.Tests;

/// <summary>Describes a tree independently of the engine (plain BCL calls) so comparisons cannot share its bugs.</summary>
internal static class TreeAssert
{
    public static SortedDictionary<string, string> Describe(string root, Func<string, bool>? include = null)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Walk(root, "", result, include ?? (_ => true));
        return result;
    }

    public static void Equal(string expectedRoot, string actualRoot, Func<string, bool>? include = null)
    {
        var expected = Describe(expectedRoot, include);
        var actual = Describe(actualRoot, include);
        var missing = expected.Where(e => !actual.TryGetValue(e.Key, out var v) || v != e.Value).Select(e => $"{e.Key}: want {e.Value}, have {(actual.TryGetValue(e.Key, out var v) ? v : "nothing")}").ToList();
        var extra = actual.Keys.Where(k => !expected.ContainsKey(k)).Select(k => $"{k}: unexpected {actual[k]}").ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0, string.Join("\n", missing.Concat(extra).Take(20)));
    }

    private static void Walk(string root, string relative, SortedDictionary<string, string> into, Func<string, bool> include)
    {
        var full = relative.Length == 0 ? root : Path.Combine(root, relative);
        foreach (var child in Directory.EnumerateFileSystemEntries(full))
        {
            var name = Path.GetFileName(child);
            var path = relative.Length == 0 ? name : relative + "/" + name;
            if (name == ".git" || !include(path))
            {
                continue;
            }

            var info = new FileInfo(child);
            if (info.LinkTarget is { } target)
            {
                into[path] = "link -> " + target;
            }
            else if (Directory.Exists(child))
            {
                into[path] = "dir";
                Walk(root, path, into, include);
            }
            else
            {
                var exec = (File.GetUnixFileMode(child) & UnixFileMode.UserExecute) != 0;
                into[path] = $"file {info.Length} {Digest.Of(File.ReadAllBytes(child))}{(exec ? " +x" : "")}";
            }
        }
    }
}
