using System.Diagnostics;

namespace Yak.Sync.Link;

/// <summary>
/// A child process's stdout (read side) and stdin (write side) as one duplex stream. Disposing closes stdin, gives the
/// process a moment to exit on its own, then kills its whole tree.
/// </summary>
public sealed class ProcessStream : Stream
{
    private readonly Process process;
    private readonly Stream input;
    private readonly Stream output;
    private int disposed;

    public ProcessStream(Process process)
    {
        this.process = process;
        input = process.StandardOutput.BaseStream;
        output = process.StandardInput.BaseStream;
    }

    public int ProcessId => process.Id;

    public Process Process => process;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => input.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => input.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => input.ReadAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => output.Write(buffer);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => output.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => output.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush() => output.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => output.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref disposed, 1) == 0)
        {
            try
            {
                output.Dispose();
            }
            catch (IOException)
            {
            }

            try
            {
                if (!process.WaitForExit(TimeSpan.FromSeconds(2)))
                {
                    process.Kill(entireProcessTree: true);
                }

                // Exited (or killed): the untimed wait also drains the stderr reader, so no last log line is lost.
                if (process.WaitForExit(TimeSpan.FromSeconds(5)))
                {
                    process.WaitForExit();
                }
            }
            catch (InvalidOperationException)
            {
            }

            input.Dispose();
            process.Dispose();
        }

        base.Dispose(disposing);
    }
}
