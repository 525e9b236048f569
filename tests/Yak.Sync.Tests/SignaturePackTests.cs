using Yak.Sync.Delta;
using Yak.Sync.Hashing;
using Yak.Sync.Session;
using Yak.Testing;

namespace Yak.Sync.Tests;

/// <summary>The session's signatures in one append-only pack: read back, torn or garbled records discarded, dead ones compacted.</summary>
public sealed class SignaturePackTests
{
    private static (Digest Digest, Signature Signature) Signed(int seed, int length = 50_000)
    {
        var data = SessionEndToEndTests.RandomBytes(seed, length);
        return (Digest.Of(data), Signature.Of(data));
    }

    [Fact]
    public void Add_FlushedThenReopened_EverySignatureReadBack()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("signatures.pack");
        var signed = Enumerable.Range(1, 3).Select(i => Signed(i)).ToList();
        var pack = new SignaturePack(path, null);
        foreach (var (digest, signature) in signed)
        {
            pack.Add(digest, signature);
        }

        pack.Flush();

        var reopened = new SignaturePack(path, null);
        Assert.Equal(3, reopened.Count);
        foreach (var (digest, signature) in signed)
        {
            Assert.Equal(signature.Strong, reopened.Load(digest)!.Strong);
        }

        Assert.Null(reopened.Load(Signed(9).Digest));
    }

    [Fact]
    public void Load_NotFlushedYet_ReadsTheQueuedRecord()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("signatures.pack");
        var (digest, signature) = Signed(1);
        var pack = new SignaturePack(path, null);
        pack.Add(digest, signature);
        Assert.False(File.Exists(path)); // queued in memory: no write per signature

        Assert.Equal(signature.Weak, pack.Load(digest)!.Weak);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void Add_NewPack_BornPrivate()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("signatures.pack");
        var pack = new SignaturePack(path, null);
        var (digest, signature) = Signed(1);
        pack.Add(digest, signature);
        pack.Flush();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Reopen_TornLastRecord_EarlierKeptAndNextAppendReplacesTheTail()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("signatures.pack");
        var (first, firstSignature) = Signed(1);
        var (second, secondSignature) = Signed(2);
        var pack = new SignaturePack(path, null);
        pack.Add(first, firstSignature);
        pack.Add(second, secondSignature);
        pack.Flush();
        using (var stream = new FileStream(path, FileMode.Open))
        {
            stream.SetLength(stream.Length - 7); // a crash in the middle of the last append
        }

        var reopened = new SignaturePack(path, null);
        Assert.Equal(1, reopened.Count);
        Assert.Null(reopened.Load(second));
        var (third, thirdSignature) = Signed(3);
        reopened.Add(third, thirdSignature);
        reopened.Flush();

        var again = new SignaturePack(path, null);
        Assert.Equal(2, again.Count);
        Assert.Equal(firstSignature.Strong, again.Load(first)!.Strong);
        Assert.Equal(thirdSignature.Strong, again.Load(third)!.Strong);
    }

    [Fact]
    public void Load_GarbledRecord_DiscardedWithWarningOthersServed()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("signatures.pack");
        var (first, firstSignature) = Signed(1);
        var (second, secondSignature) = Signed(2);
        var pack = new SignaturePack(path, null);
        pack.Add(first, firstSignature);
        pack.Add(second, secondSignature);
        pack.Flush();
        var bytes = File.ReadAllBytes(path);
        bytes[^10] ^= 0x01; // inside the last record's strong hashes: well-formed, only the checksum tells
        File.WriteAllBytes(path, bytes);

        var log = new List<string>();
        var reopened = new SignaturePack(path, log.Add);
        Assert.Null(reopened.Load(second));
        Assert.False(reopened.Contains(second));
        Assert.Equal(firstSignature.Strong, reopened.Load(first)!.Strong);
        var warning = Assert.Single(log);
        Assert.Contains($"discarded signature {second}", warning, StringComparison.Ordinal);
        Assert.StartsWith("warning:", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Reopen_NotAPack_DiscardedWithWarningAndRebuilt()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("signatures.pack");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        var log = new List<string>();
        var pack = new SignaturePack(path, log.Add);

        Assert.Equal(0, pack.Count);
        Assert.Contains(log, line => line.Contains("not a signature pack", StringComparison.Ordinal));
        var (digest, signature) = Signed(1);
        pack.Add(digest, signature);
        pack.Flush();
        Assert.Equal(signature.Strong, new SignaturePack(path, null).Load(digest)!.Strong);
    }

    [Fact]
    public void Collect_DeadRecordsHalfThePack_RewrittenWithTheLiveOnly()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("signatures.pack");
        var signed = Enumerable.Range(1, 4).Select(i => Signed(i)).ToList();
        var pack = new SignaturePack(path, null);
        foreach (var (digest, signature) in signed)
        {
            pack.Add(digest, signature);
        }

        Assert.Equal(0, pack.Collect(signed.Take(3).Select(s => s.Digest))); // a quarter dead: left for later
        Assert.Equal(4, new SignaturePack(path, null).Count);
        var before = new FileInfo(path).Length;

        Assert.Equal(3, pack.Collect([signed[1].Digest]));

        Assert.True(new FileInfo(path).Length < before / 2);
        var reopened = new SignaturePack(path, null);
        Assert.Equal(1, reopened.Count);
        Assert.Equal(signed[1].Signature.Strong, reopened.Load(signed[1].Digest)!.Strong);
        Assert.Empty(Directory.EnumerateFiles(temp.Path, "*.tmp"));
    }

    [Fact]
    public void CollectGarbage_FolderOfOneFilePerSignature_Removed()
    {
        using var temp = new TempDirectory();
        var legacy = Directory.CreateDirectory(temp.Combine("state", "signatures")).FullName;
        File.WriteAllBytes(Path.Combine(legacy, Signed(1).Digest.ToString()), Signed(1).Signature.Serialize());
        var store = new SessionStore(temp.Combine("state"));

        store.CollectGarbage([]);

        Assert.False(Directory.Exists(legacy));
    }
}
