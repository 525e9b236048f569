using Yak.Sync.Paths;
using Yak.Sync.Scanning;

namespace Yak.Agent;

/// <summary>
/// Judges a symlink target by where it resolves in the replica as it is now, not by its text: in
/// <c>a/b/up/../..</c> the '..' climb from wherever the link <c>up</c> points. Walks the target component by component
/// from the link's folder, substituting every link met on the way (read with readlinkat, never followed by the OS),
/// and refuses the target as soon as a '..' would climb above the root. Names that do not exist yet are taken
/// literally; a loop or a chain longer than the kernel's own limit resolves nowhere, which is not an escape.
/// </summary>
internal static class LinkResolver
{
    private const int MaxHops = 40; // Linux's MAXSYMLINKS

    /// <summary>True when <paramref name="target"/>, stored at <paramref name="linkRelative"/>, resolves inside the root.</summary>
    public static bool StaysInside(DirectoryHandle root, string linkRelative, string target)
    {
        var position = new List<string>(linkRelative.Split('/')[..^1]);
        var pending = new LinkedList<string>(target.Split('/'));
        var hops = 0;
        while (pending.First is { } first)
        {
            var part = first.Value;
            pending.RemoveFirst();
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (position.Count == 0)
                {
                    return false;
                }

                position.RemoveAt(position.Count - 1);
                continue;
            }

            if (ReadLinkAt(root, position, part) is not { } inner)
            {
                position.Add(part);
                continue;
            }

            if (++hops > MaxHops)
            {
                return true;
            }

            if (inner.StartsWith('/'))
            {
                return false;
            }

            // The link's own target continues from the link's folder, then the rest of ours follows it.
            var node = pending.First;
            foreach (var innerPart in inner.Split('/'))
            {
                if (node is null)
                {
                    pending.AddLast(innerPart);
                }
                else
                {
                    pending.AddBefore(node, innerPart);
                }
            }
        }

        return true;
    }

    /// <summary>The target of <paramref name="name"/> in the folder at <paramref name="position"/> if it is a link; null otherwise.</summary>
    private static string? ReadLinkAt(DirectoryHandle root, List<string> position, string name)
    {
        var opened = new List<DirectoryHandle>();
        try
        {
            var folder = root;
            foreach (var step in position)
            {
                // Every step of a resolved position is a real folder (links were substituted), or missing.
                var child = folder.OpenChild(step, string.Join('/', position));
                if (child is null)
                {
                    return null;
                }

                opened.Add(child);
                folder = child;
            }

            return folder.Stat(name) is { Kind: EntryKind.Symlink } ? folder.ReadLink(name) : null;
        }
        finally
        {
            foreach (var handle in opened)
            {
                handle.Dispose();
            }
        }
    }
}
