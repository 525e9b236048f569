using System.Security.Cryptography;
using System.Text;

namespace Yak.Daemon.Tests.Torture;

/// <summary>
/// Seeded random file operations on a source tree: create, modify, truncate, rename across folders, delete, chmod,
/// symlinks to files, to folders and dangling, unicode and long names, empty and large files, folder moves and
/// deletes. Every file it writes is self-checking (<see cref="SelfCheck"/>) and lands by rename from a staging
/// folder outside the tree, so a half-written file in the replica can only come from the sync.
/// </summary>
internal sealed class TortureTree(string root, string staging, Random random, int largeBytes)
{
    // The last stem is 240 bytes of UTF-8: with "-<counter>" a name near NAME_MAX (255 bytes).
    private static readonly string[] Stems = ["a", "b c", "ü-ñ-日本", "emoji-\U0001F600", "data", "#1", "long-" + new string('n', 200), new string('長', 80)];
    private int counter;

    public string Root => root;

    /// <summary>Lands a new self-checking file of <paramref name="size"/> bytes in the root; returns its relative path.</summary>
    public string CreateFile(int size)
    {
        var name = NewName();
        Land(Path.Combine(root, name), size);
        return name;
    }

    public void Apply(int count)
    {
        for (var i = 0; i < count; i++)
        {
            switch (random.Next(14))
            {
                case 0 or 1 or 2: Create(); break;
                case 3: Modify(); break;
                case 4: Truncate(); break;
                case 5: RenameFile(); break;
                case 6: DeleteFile(); break;
                case 7: Chmod(); break;
                case 8: Symlink(); break;
                case 9: MakeFolder(); break;
                case 10: MoveFolder(); break;
                case 11: DeleteFolder(); break;
                case 12: Create(empty: true); break;
                default: Create(large: random.Next(4) == 0); break;
            }
        }
    }

    private string NewName() => $"{Stems[random.Next(Stems.Length)]}-{counter++}";

    // Walked by hand: recursive enumeration would follow the tree's links to folders (and loop on one to an ancestor).
    private List<string> Folders()
    {
        var folders = new List<string>();
        var pending = new Stack<string>([root]);
        while (pending.TryPop(out var folder))
        {
            folders.Add(folder);
            foreach (var child in Directory.EnumerateDirectories(folder))
            {
                if (new FileInfo(child).LinkTarget is null)
                {
                    pending.Push(child);
                }
            }
        }

        return folders;
    }

    private List<string> Files() => Folders().SelectMany(Directory.EnumerateFiles).Where(f => new FileInfo(f).LinkTarget is null).ToList();

    private T Pick<T>(List<T> items) => items[random.Next(items.Count)];

    private void Create(bool empty = false, bool large = false)
    {
        var size = empty ? 0 : large ? largeBytes : random.Next(4) == 0 ? random.Next(20_000, 300_000) : random.Next(1, 3000);
        Land(Path.Combine(Pick(Folders()), NewName()), size);
    }

    private void Modify()
    {
        if (Files() is { Count: > 0 } files)
        {
            var file = Pick(files);
            var executable = (File.GetUnixFileMode(file) & UnixFileMode.UserExecute) != 0;
            var size = (int)Math.Clamp(new FileInfo(file).Length + random.Next(-500, 500), 1, largeBytes);
            Land(file, size, executable);
        }
    }

    private void Truncate()
    {
        if (Files() is { Count: > 0 } files)
        {
            var file = Pick(files);
            Land(file, random.Next(2) == 0 ? 0 : random.Next(1, 64));
        }
    }

    private void RenameFile()
    {
        if (Files() is { Count: > 0 } files)
        {
            File.Move(Pick(files), Path.Combine(Pick(Folders()), NewName()));
        }
    }

    private void DeleteFile()
    {
        if (Files() is { Count: > 0 } files)
        {
            File.Delete(Pick(files));
        }
    }

    private void Chmod()
    {
        if (Files() is { Count: > 0 } files)
        {
            var file = Pick(files);
            File.SetUnixFileMode(file, File.GetUnixFileMode(file) ^ (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute));
        }
    }

    private void Symlink()
    {
        var folder = Pick(Folders());
        var target = random.Next(3) switch
        {
            0 when Files() is { Count: > 0 } files => Path.GetRelativePath(folder, Pick(files)),
            1 => Path.GetRelativePath(folder, Pick(Folders())),
            _ => "dangling-" + counter++,
        };
        File.CreateSymbolicLink(Path.Combine(folder, NewName()), target);
    }

    private void MakeFolder() => Directory.CreateDirectory(Path.Combine(Pick(Folders()), NewName()));

    private void MoveFolder()
    {
        var folders = Folders().Skip(1).ToList();
        if (folders.Count == 0)
        {
            return;
        }

        var source = Pick(folders);
        var destinations = Folders().Where(d => d != source && !d.StartsWith(source + "/", StringComparison.Ordinal)).ToList();
        Directory.Move(source, Path.Combine(Pick(destinations), NewName()));
    }

    private void DeleteFolder()
    {
        var folders = Folders().Skip(1).ToList();
        if (folders.Count > 0 && random.Next(3) == 0)
        {
            Directory.Delete(Pick(folders), recursive: true);
        }
    }

    /// <summary>Writes self-checking content in the staging folder, then renames it into place.</summary>
    private void Land(string path, int size, bool executable = false)
    {
        var temp = Path.Combine(staging, $"stage-{counter++}");
        File.WriteAllBytes(temp, SelfCheck.Make(random, size));
        if (executable)
        {
            File.SetUnixFileMode(temp, File.GetUnixFileMode(temp) | UnixFileMode.UserExecute);
        }

        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>
/// Content that proves it is whole: a fixed 83-byte header <c>YAKT &lt;body length, 12 digits&gt; &lt;sha256 hex&gt;\n</c>
/// then the body (empty files are whole too). Fixed, so the in-pod reader takes it with one read (see <see cref="PodReader"/>).
/// </summary>
internal static class SelfCheck
{
    public const int HeaderBytes = 83;

    public static byte[] Make(Random random, int size)
    {
        if (size == 0)
        {
            return [];
        }

        var body = new byte[Math.Max(0, size - HeaderBytes)];
        random.NextBytes(body);
        var header = Encoding.ASCII.GetBytes($"YAKT {body.Length:D12} {Convert.ToHexStringLower(SHA256.HashData(body))}\n");
        return [.. header, .. body];
    }
}
