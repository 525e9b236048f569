using Yak.Sync.Paths;
using Yak.Testing;

namespace Yak.Sync.Tests;

/// <summary>The pread-backed stream every file the daemon sends (and every basis the agent reads) comes through.</summary>
public sealed class ReadOnlyFileTests
{
    [Fact]
    public void OpenRead_RegularFile_ReadsAllInPiecesThenZeroAtTheEnd()
    {
        using var temp = new TempDirectory();
        var content = new byte[300_001];
        new Random(5).NextBytes(content);
        var path = Path.Combine(temp.Path, "data.bin");
        File.WriteAllBytes(path, content);

        var (file, stat) = NoFollowFile.OpenRead(path);
        using (file)
        {
            Assert.Equal(content.Length, stat.Size);
            var read = new MemoryStream();
            var buffer = new byte[65_536];
            int n;
            while ((n = file.Read(buffer, 0, buffer.Length)) > 0)
            {
                read.Write(buffer, 0, n);
            }

            Assert.Equal(content, read.ToArray());
            Assert.Equal(content.Length, file.Position);
            Assert.Equal(0, file.Read(buffer));
            Assert.Equal(path, file.Name);
        }
    }

    [Fact]
    public void Seek_FromBeginCurrentAndEnd_ReadsFromThere()
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "abc.txt");
        File.WriteAllText(path, "0123456789");
        using var file = NoFollowFile.OpenRead(path).Stream;
        var two = new byte[2];

        Assert.Equal(7, file.Seek(7, SeekOrigin.Begin));
        file.ReadExactly(two);
        Assert.Equal("78", System.Text.Encoding.ASCII.GetString(two));
        Assert.Equal(5, file.Seek(-4, SeekOrigin.Current));
        file.ReadExactly(two);
        Assert.Equal("56", System.Text.Encoding.ASCII.GetString(two));
        Assert.Equal(8, file.Seek(-2, SeekOrigin.End));
        file.ReadExactly(two);
        Assert.Equal("89", System.Text.Encoding.ASCII.GetString(two));
        Assert.Throws<ArgumentOutOfRangeException>(() => file.Seek(-1, SeekOrigin.Begin));
    }

    [Fact]
    public void Length_FileGrewAfterOpen_TheCurrentLengthAndTheNewBytesRead()
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "log.txt");
        File.WriteAllText(path, "one\n");
        using var file = NoFollowFile.OpenRead(path).Stream;
        File.AppendAllText(path, "two\n");

        Assert.Equal(8, file.Length);
        Assert.Equal("one\ntwo\n", new StreamReader(file).ReadToEnd());
    }

    [Fact]
    public void Read_AfterDispose_ObjectDisposedAndDescriptorClosed()
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "x");
        File.WriteAllText(path, "x");
        var file = NoFollowFile.OpenRead(path).Stream;
        var handle = file.SafeFileHandle;

        file.Dispose();

        Assert.True(handle.IsClosed);
        Assert.False(file.CanRead);
        Assert.Throws<ObjectDisposedException>(() => file.Read(new byte[1]));
    }

    [Fact]
    public void OpenRead_SymlinkToAFile_RefusedNotFollowed()
    {
        using var temp = new TempDirectory();
        var target = Path.Combine(temp.Path, "secret");
        File.WriteAllText(target, "secret");
        var link = Path.Combine(temp.Path, "link");
        File.CreateSymbolicLink(link, target);

        var refused = Assert.Throws<IOException>(() => NoFollowFile.OpenRead(link));

        Assert.Contains("is a symlink now", refused.Message, StringComparison.Ordinal);
    }
}
