namespace Yak.Sync.Tests;

/// <summary>Seeded random edits of a tree: create, modify, rename, delete, chmod, symlink, folder moves and deletes.</summary>
internal sealed class RandomTreeOperations(string root, Random random)
{
    private static readonly string[] Stems = ["a", "b c", "ü", "data", "x\ny", "long-name-" + new string('n', 60), "#1"];
    private int counter;

    public void Seed(int files)
    {
        for (var i = 0; i < files; i++)
        {
            CreateFile();
        }
    }

    public void Apply(int count)
    {
        for (var i = 0; i < count; i++)
        {
            switch (random.Next(10))
            {
                case 0 or 1: CreateFile(); break;
                case 2: Modify(); break;
                case 3: RenameFile(); break;
                case 4: DeleteFile(); break;
                case 5: Chmod(); break;
                case 6: Symlink(); break;
                case 7: MakeFolder(); break;
                case 8: MoveFolder(); break;
                default: DeleteFolder(); break;
            }
        }
    }

    private string NewName() => $"{Stems[random.Next(Stems.Length)]}-{counter++}";

    private List<string> Folders() => [root, .. Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).Where(d => new DirectoryInfo(d).LinkTarget is null)];

    private List<string> Files() => Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Where(f => new FileInfo(f).LinkTarget is null).ToList();

    private T Pick<T>(List<T> items) => items[random.Next(items.Count)];

    private void CreateFile()
    {
        var size = random.Next(4) == 0 ? random.Next(20_000, 120_000) : random.Next(0, 3000);
        var bytes = new byte[size];
        random.NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(Pick(Folders()), NewName()), bytes);
    }

    private void Modify()
    {
        var files = Files();
        if (files.Count == 0)
        {
            return;
        }

        var file = Pick(files);
        var bytes = File.ReadAllBytes(file).ToList();
        var insert = new byte[random.Next(1, 500)];
        random.NextBytes(insert);
        bytes.InsertRange(bytes.Count == 0 ? 0 : random.Next(bytes.Count), insert);
        File.WriteAllBytes(file, [.. bytes]);
    }

    private void RenameFile()
    {
        var files = Files();
        if (files.Count > 0)
        {
            File.Move(Pick(files), Path.Combine(Pick(Folders()), NewName()));
        }
    }

    private void DeleteFile()
    {
        var files = Files();
        if (files.Count > 0)
        {
            File.Delete(Pick(files));
        }
    }

    private void Chmod()
    {
        var files = Files();
        if (files.Count > 0)
        {
            var file = Pick(files);
            var mode = File.GetUnixFileMode(file);
            File.SetUnixFileMode(file, mode ^ (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute));
        }
    }

    private void Symlink()
    {
        var files = Files();
        if (files.Count == 0)
        {
            return;
        }

        var folder = Pick(Folders());
        var target = Path.GetRelativePath(folder, Pick(files));
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
        if (folders.Count > 0 && random.Next(2) == 0)
        {
            Directory.Delete(Pick(folders), recursive: true);
        }
    }
}
