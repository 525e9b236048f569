using System.IO.Pipes;

namespace Yak.Sync.Tests;

/// <summary>Two connected duplex streams over a pair of anonymous pipes (a fake agent in the test process).</summary>
internal sealed class InMemoryDuplex : Stream
{
    private readonly Stream read;
    private readonly Stream write;

    private InMemoryDuplex(Stream read, Stream write)
    {
        this.read = read;
        this.write = write;
    }

    public static (Stream Daemon, Stream Agent) Create()
    {
        var toAgent = new AnonymousPipeServerStream(PipeDirection.Out);
        var agentIn = new AnonymousPipeClientStream(PipeDirection.In, toAgent.ClientSafePipeHandle);
        var toDaemon = new AnonymousPipeServerStream(PipeDirection.Out);
        var daemonIn = new AnonymousPipeClientStream(PipeDirection.In, toDaemon.ClientSafePipeHandle);
        return (new InMemoryDuplex(daemonIn, toAgent), new InMemoryDuplex(agentIn, toDaemon));
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => read.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => read.ReadAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => write.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => write.WriteAsync(buffer, cancellationToken);

    public override void Flush() => write.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            read.Dispose();
            write.Dispose();
        }

        base.Dispose(disposing);
    }
}
