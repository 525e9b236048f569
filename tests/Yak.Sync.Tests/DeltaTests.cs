using Yak.Sync.Delta;
using Yak.Sync.Hashing;

namespace Yak.Sync.Tests;

public sealed class DeltaTests
{
    /// <summary>Signature of the basis → delta of the target → applied to the basis must give back the target.</summary>
    private static (byte[] Result, long LiteralBytes, int Chunks) RoundTrip(byte[] basis, byte[] target, int? blockSize = null)
    {
        var signature = Signature.Of(basis, blockSize);
        var chunks = new List<byte[]>();
        var encoder = new DeltaEncoder(c => chunks.Add(c.ToArray()));
        var observed = new MemoryStream();
        DeltaBuilder.Build(new MemoryStream(target), signature, encoder, d => observed.Write(d));
        encoder.Complete();
        Assert.Equal(target, observed.ToArray());

        var output = new MemoryStream();
        var applier = new DeltaApplier(new MemoryStream(basis), signature.BlockSize, output);
        foreach (var chunk in chunks)
        {
            applier.Apply(chunk);
        }

        return (output.ToArray(), encoder.LiteralBytes, chunks.Count);
    }

    private static byte[] Mutate(Random random, byte[] source)
    {
        var data = new List<byte>(source);
        var edits = random.Next(1, 8);
        for (var i = 0; i < edits; i++)
        {
            var at = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(5))
            {
                case 0: // insertion
                    var insert = new byte[random.Next(1, 3000)];
                    random.NextBytes(insert);
                    data.InsertRange(at, insert);
                    break;
                case 1: // deletion
                    data.RemoveRange(at, Math.Min(data.Count - at, random.Next(1, 3000)));
                    break;
                case 2: // move a range elsewhere
                    var length = Math.Min(data.Count - at, random.Next(1, 5000));
                    var moved = data.GetRange(at, length);
                    data.RemoveRange(at, length);
                    data.InsertRange(data.Count == 0 ? 0 : random.Next(data.Count), moved);
                    break;
                case 3: // repeat a range
                    var repeat = data.GetRange(at, Math.Min(data.Count - at, random.Next(1, 4000)));
                    data.InsertRange(at, repeat);
                    data.InsertRange(at, repeat);
                    break;
                default: // overwrite bytes in place
                    for (var k = 0; k < random.Next(1, 50) && data.Count > 0; k++)
                    {
                        data[random.Next(data.Count)] = (byte)random.Next(256);
                    }

                    break;
            }
        }

        return [.. data];
    }

    [Fact]
    public void Build_RandomEdits_RoundTripsExactly()
    {
        for (var seed = 0; seed < 150; seed++)
        {
            var random = new Random(seed);
            var basis = new byte[random.Next(0, 200_000)];
            random.NextBytes(basis);
            var target = Mutate(random, basis);
            int? blockSize = random.Next(3) == 0 ? random.Next(1, 64) : null; // tiny blocks stress the rolling window
            var (result, _, _) = RoundTrip(basis, target, blockSize);
            Assert.True(target.AsSpan().SequenceEqual(result), $"seed {seed}: delta did not rebuild the target");
        }
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    [InlineData(1, 700)]
    [InlineData(700, 1)]
    [InlineData(513, 512)]
    public void Build_EdgeSizes_RoundTripsExactly(int basisLength, int targetLength)
    {
        var basis = SessionEndToEndTests.RandomBytes(basisLength, basisLength);
        var target = SessionEndToEndTests.RandomBytes(basisLength + 1, targetLength);
        Assert.Equal(target, RoundTrip(basis, target).Result);
        Assert.Equal(basis, RoundTrip(basis, basis).Result);
    }

    [Fact]
    public void Build_RepeatedBlocks_RoundTripsWithoutLiterals()
    {
        var block = SessionEndToEndTests.RandomBytes(7, 1024);
        var basis = Enumerable.Repeat(block, 40).SelectMany(b => b).ToArray();
        var target = Enumerable.Repeat(block, 90).SelectMany(b => b).ToArray();
        var (result, literal, _) = RoundTrip(basis, target, blockSize: 1024);
        Assert.Equal(target, result);
        Assert.Equal(0, literal);
    }

    [Fact]
    public void Build_AllZeroSparseFile_RoundTripsWithSmallDelta()
    {
        var basis = new byte[24 << 20];
        var target = (byte[])basis.Clone();
        target[12 << 20] = 1;
        var (result, literal, _) = RoundTrip(basis, target);
        Assert.True(target.AsSpan().SequenceEqual(result));
        Assert.True(literal <= BlockSizing.For(basis.Length), $"literal {literal} bytes for one changed byte");
    }

    [Fact]
    public void Build_OneLineEditInLargeFile_SendsUnderOnePercent()
    {
        var random = new Random(3);
        var lines = Enumerable.Range(0, 200_000).Select(i => $"line {i} {random.Next()} lorem ipsum dolor sit amet\n");
        var basis = System.Text.Encoding.UTF8.GetBytes(string.Concat(lines));
        var text = System.Text.Encoding.UTF8.GetString(basis).Replace("line 100000 ", "LINE 100000 edited ", StringComparison.Ordinal);
        var target = System.Text.Encoding.UTF8.GetBytes(text);
        var (result, literal, _) = RoundTrip(basis, target);
        Assert.True(target.AsSpan().SequenceEqual(result));
        Assert.True(literal < target.Length / 100, $"literal {literal} of {target.Length}");
    }

    [Fact]
    public void Apply_CopyBeyondBasis_Throws()
    {
        var basis = new byte[1000];
        var chunk = new byte[] { DeltaEncoder.CopyOp, 50, 1 };
        var applier = new DeltaApplier(new MemoryStream(basis), 512, new MemoryStream());
        Assert.Throws<InvalidDataException>(() => applier.Apply(chunk));
    }

    [Fact]
    public void RollingChecksum_Roll_EqualsFreshComputation()
    {
        var data = SessionEndToEndTests.RandomBytes(11, 5000);
        const int window = 333;
        var rolling = RollingChecksum.Of(data.AsSpan(0, window));
        for (var i = 1; i + window <= data.Length; i++)
        {
            rolling.Roll(data[i - 1], data[i + window - 1]);
            Assert.Equal(RollingChecksum.Compute(data.AsSpan(i, window)), rolling.Value);
        }
    }

    [Fact]
    public void Signature_SerializeDeserialize_Preserved()
    {
        var data = SessionEndToEndTests.RandomBytes(5, 100_000);
        var signature = Signature.Of(data);
        var copy = Signature.Deserialize(signature.Serialize());
        Assert.Equal(signature.BlockSize, copy.BlockSize);
        Assert.Equal(signature.Length, copy.Length);
        Assert.Equal(signature.Weak, copy.Weak);
        Assert.Equal(signature.Strong, copy.Strong);
        var torn = signature.Serialize()[..^5];
        Assert.Throws<InvalidDataException>(() => Signature.Deserialize(torn));
    }

    [Theory]
    [InlineData(0, BlockSizing.Min)]
    [InlineData(10_000, BlockSizing.Min)]
    [InlineData(50L << 20, 35_480)]
    [InlineData(10L << 30, BlockSizing.Max)]
    public void BlockSizing_For_FollowsSquareRootRule(long length, int expected)
    {
        Assert.Equal(expected, BlockSizing.For(length));
    }

    [Fact]
    public void Digest_OfFile_EqualsDigestOfBytes()
    {
        var path = Path.GetTempFileName();
        try
        {
            var data = SessionEndToEndTests.RandomBytes(9, 400_000);
            File.WriteAllBytes(path, data);
            Assert.Equal(Digest.Of(data), Digest.OfFile(path));
            Assert.NotEqual(Digest.Of(data), Digest.Of(data.AsSpan(1)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
