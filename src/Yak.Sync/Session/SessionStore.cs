using Yak.Sync.Delta;
using Yak.Sync.Hashing;
using Yak.Sync.Scanning;

namespace Yak.Sync.Session;

/// <summary>
/// A session's persistent state: the local scan cache, the manifest of what the agent holds, and the signature of
/// every large file as last sent (keyed by content digest, so renames and copies share it). The two manifests are
/// written atomically (temp, fsync, rename). Signature files are written temp-then-rename without fsync: a torn one is
/// rejected on load, and a wrong one can only cost a BaseMismatch/DigestMismatch and a whole-file resend, because the
/// agent checks the rebuilt file against the digest of what was read.
/// </summary>
public sealed class SessionStore
{
    private readonly string signatures;

    private readonly Action<string>? log;

    /// <param name="log">Receives a line for each state file found corrupt and discarded.</param>
    public SessionStore(string directory, Action<string>? log = null)
    {
        this.log = log;
        Directory = Path.GetFullPath(directory);
        signatures = Path.Combine(Directory, "signatures");
        Storage.AtomicFile.CreatePrivateDirectory(signatures);
    }

    public string Directory { get; }

    private string LocalPath => Path.Combine(Directory, "local-scan.bin");

    private string RemotePath => Path.Combine(Directory, "remote-manifest.bin");

    public Snapshot? LoadLocal() => Snapshot.TryLoad(LocalPath, why => log?.Invoke($"warning: local scan cache {why}"));

    public void SaveLocal(Snapshot snapshot) => snapshot.Save(LocalPath);

    public Dictionary<string, Entry> LoadRemote() => Snapshot.TryLoad(RemotePath, why => log?.Invoke($"warning: remote manifest {why} from the agent's manifest"))?.Entries ?? new Dictionary<string, Entry>(StringComparer.Ordinal);

    public void SaveRemote(Dictionary<string, Entry> remote)
    {
        var snapshot = new Snapshot();
        foreach (var (k, v) in remote)
        {
            snapshot.Entries[k] = v;
        }

        snapshot.Save(RemotePath);
    }

    public Signature? LoadSignature(Digest digest)
    {
        var path = SignaturePath(digest);
        try
        {
            return File.Exists(path) ? Signature.Deserialize(File.ReadAllBytes(path)) : null;
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            // Torn or garbled: the file goes (the next send of that content signs it afresh), the file is sent whole.
            TryDelete(path);
            log?.Invoke($"warning: discarded signature {path}: {e.Message}; the file is sent whole");
            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void SaveSignature(Digest digest, Signature signature)
    {
        var path = SignaturePath(digest);
        if (File.Exists(path))
        {
            return;
        }

        var temp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            using (var stream = Storage.AtomicFile.CreatePrivate(temp))
            {
                stream.Write(signature.Serialize());
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A signature only saves bytes on the next edit: a full local disk costs a whole-file send, not the sync.
            TryDelete(temp);
            log?.Invoke($"warning: could not save signature {path}: {e.Message}");
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Deletes signatures of content the agent no longer holds.</summary>
    public int CollectGarbage(IEnumerable<Digest> live)
    {
        var keep = live.Select(d => d.ToString()).ToHashSet(StringComparer.Ordinal);
        var removed = 0;
        foreach (var file in System.IO.Directory.EnumerateFiles(signatures))
        {
            if (!keep.Contains(Path.GetFileName(file)))
            {
                try
                {
                    File.Delete(file);
                    removed++;
                }
                catch (IOException)
                {
                }
            }
        }

        return removed;
    }

    private string SignaturePath(Digest digest) => Path.Combine(signatures, digest.ToString());
}
