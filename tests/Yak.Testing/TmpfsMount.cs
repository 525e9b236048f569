namespace Yak.Testing;

/// <summary>
/// A small tmpfs mounted over a folder (root only), so a test can fill a real file system, remount it read-only and
/// read-write, and have it unmounted on dispose whatever happened.
/// </summary>
public sealed class TmpfsMount : IDisposable
{
    private bool mounted;

    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="sizeBytes"/> at <paramref name="path"/> (created if missing).</summary>
    public static async Task<TmpfsMount> MountAsync(string path, long sizeBytes)
    {
        Directory.CreateDirectory(path);
        var mount = new TmpfsMount(path);
        await mount.RunAsync("mount", "-t", "tmpfs", "-o", $"size={sizeBytes},mode=0755", "tmpfs", path);
        mount.mounted = true;
        return mount;
    }

    public Task RemountReadOnlyAsync() => RunAsync("mount", "-o", "remount,ro", Path);

    public Task RemountReadWriteAsync() => RunAsync("mount", "-o", "remount,rw", Path);

    /// <summary>Fills the file system to its last byte with one file (ENOSPC ends the write); returns its path.</summary>
    public string Fill(string name = "filler") => FillFolder(Path, name);

    /// <summary>Fills the file system holding <paramref name="folder"/> with one file <paramref name="name"/> in it; returns its path.</summary>
    public static string FillFolder(string folder, string name = "filler")
    {
        var filler = System.IO.Path.Combine(folder, name);
        using var stream = new FileStream(filler, FileMode.Create, FileAccess.Write, FileShare.None, 0);
        var block = new byte[4096];
        try
        {
            while (true)
            {
                stream.Write(block);
            }
        }
        catch (IOException)
        {
            // Full: what fitted stays. Now and then a last partial block fits too.
        }

        try
        {
            stream.Write(block, 0, 1);
        }
        catch (IOException)
        {
        }

        return filler;
    }

    public void Dispose()
    {
        if (!mounted)
        {
            return;
        }

        mounted = false;

        // A process that outlived its test may still hold the mount: detach it lazily rather than leave it behind.
        var result = ProcessRunner.RunAsync(ProcessRunner.StartInfo("umount", [Path])).GetAwaiter().GetResult();
        if (result.ExitCode != 0)
        {
            ProcessRunner.RunAsync(ProcessRunner.StartInfo("umount", ["-l", Path])).GetAwaiter().GetResult();
        }
    }

    private async Task RunAsync(string program, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(ProcessRunner.StartInfo(program, arguments));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed (tests that mount need root): {result}");
        }
    }
}
