using Yak.Sync.Delta;
using Yak.Sync.Hashing;
using Yak.Sync.Scanning;

namespace Yak.Sync.Session;

/// <summary>
/// A session's persistent state: the local scan cache, the manifest of what the agent holds, and the signature of
/// every large file as last sent (keyed by content digest, so renames and copies share it). The two manifests are
/// written atomically (temp, fsync, rename). Signatures live in one pack (<see cref="SignaturePack"/>), not fsync'ed:
/// a torn record is rejected on load, and a wrong one can only cost a BaseMismatch/DigestMismatch and a whole-file
/// resend, because the agent checks the rebuilt file against the digest of what was read.
/// </summary>
public sealed class SessionStore
{
    private readonly SignaturePack signatures;

    private readonly Action<string>? log;

    /// <param name="log">Receives a line for each state file found corrupt and discarded.</param>
    public SessionStore(string directory, Action<string>? log = null)
    {
        this.log = log;
        Directory = Path.GetFullPath(directory);
        Storage.AtomicFile.CreatePrivateDirectory(Directory);
        signatures = new SignaturePack(Path.Combine(Directory, "signatures.pack"), log);
    }

    public string Directory { get; }

    private string LocalPath => Path.Combine(Directory, "local-scan.bin");

    private string RemotePath => Path.Combine(Directory, "remote-manifest.bin");

    public Snapshot? LoadLocal() => Snapshot.TryLoad(LocalPath, why => log?.Invoke($"warning: local scan cache {why}"));

    public void SaveLocal(Snapshot snapshot) => snapshot.Save(LocalPath);

    public Dictionary<string, Entry> LoadRemote() => TryLoadRemote() ?? new Dictionary<string, Entry>(StringComparer.Ordinal);

    /// <summary>The saved remote manifest, or null when it is missing or was discarded as corrupt.</summary>
    public Dictionary<string, Entry>? TryLoadRemote() => Snapshot.TryLoad(RemotePath, why => log?.Invoke($"warning: remote manifest {why} from the agent's manifest"))?.Entries;

    public void SaveRemote(Dictionary<string, Entry> remote)
    {
        var snapshot = new Snapshot();
        foreach (var (k, v) in remote)
        {
            snapshot.Entries[k] = v;
        }

        snapshot.Save(RemotePath);
    }

    /// <summary>The stored signature of <paramref name="digest"/>'s content, or null (never signed, or discarded as corrupt).</summary>
    public Signature? LoadSignature(Digest digest) => signatures.Load(digest);

    /// <summary>Keeps the signature of content just sent (written with the pass's others, see <see cref="FlushSignatures"/>).</summary>
    public void SaveSignature(Digest digest, Signature signature) => signatures.Add(digest, signature);

    /// <summary>Writes the signatures kept since the last flush (at the end of each push).</summary>
    public void FlushSignatures() => signatures.Flush();

    /// <summary>How many signatures the store holds.</summary>
    public int SignatureCount => signatures.Count;

    /// <summary>Drops signatures of content the agent no longer holds; removes the folder of one file per signature that earlier versions kept.</summary>
    public int CollectGarbage(IEnumerable<Digest> live)
    {
        var legacy = Path.Combine(Directory, "signatures");
        if (System.IO.Directory.Exists(legacy))
        {
            System.IO.Directory.Delete(legacy, recursive: true);
        }

        return signatures.Collect(live);
    }

}
