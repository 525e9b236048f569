using Yak.Sync.Hashing;
using Yak.Sync.Scanning;

namespace Yak.Sync.Tests;

public sealed class EntryTests
{
    [Theory]
    [InlineData(EntryKind.File, 0L, false)]
    [InlineData(EntryKind.File, Entry.MaxSize, true)]
    [InlineData(EntryKind.Symlink, 0L, false)]
    [InlineData(EntryKind.Directory, 0L, true)]
    public void Constructor_PackedFields_ReadBackAsGiven(EntryKind kind, long size, bool executable)
    {
        var digest = Digest.Of([1, 2, 3]);
        var entry = new Entry(kind, size, -5, ulong.MaxValue, executable, digest, "t");

        Assert.Equal(kind, entry.Kind);
        Assert.Equal(size, entry.Size);
        Assert.Equal(executable, entry.Executable);
        Assert.Equal(-5, entry.MtimeNs);
        Assert.Equal(ulong.MaxValue, entry.Inode);
        Assert.Equal(digest, entry.Digest);
        Assert.Equal("t", entry.Target);
    }

    [Fact]
    public void With_OnePackedField_LeavesTheOthers()
    {
        var entry = new Entry(EntryKind.File, 1234, 1, 2, false, default, null);

        var executable = entry with { Executable = true };
        var grown = executable with { Size = 99 };

        Assert.Equal((EntryKind.File, 1234L, true), (executable.Kind, executable.Size, executable.Executable));
        Assert.Equal((EntryKind.File, 99L, true), (grown.Kind, grown.Size, grown.Executable));
        Assert.NotEqual(entry, executable);
        Assert.Equal(entry, executable with { Executable = false });
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(Entry.MaxSize + 1)]
    public void Constructor_SizeOutOfRange_Refused(long size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Entry(EntryKind.File, size, 0, 0, false, default, null));

    [Fact]
    public void Constructor_UnknownKindBeyondItsBits_Refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Entry((EntryKind)8, 0, 0, 0, false, default, null));
}
