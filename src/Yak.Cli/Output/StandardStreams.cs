using System.Text;

namespace Yak.Cli.Output;

/// <summary>Byte streams for remote output: the process's own stdout/stderr raw, or a text writer (in-process callers).</summary>
internal static class StandardStreams
{
    public static Stream Writable(TextWriter writer) =>
        ReferenceEquals(writer, Console.Out) ? Console.OpenStandardOutput()
        : ReferenceEquals(writer, Console.Error) ? Console.OpenStandardError()
        : new TextWriterStream(writer);

    /// <summary>Bytes written as UTF-8 text to a writer.</summary>
    private sealed class TextWriterStream(TextWriter writer) : Stream
    {
        private readonly Decoder decoder = Encoding.UTF8.GetDecoder();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            var chars = new char[decoder.GetCharCount(buffer, offset, count)];
            decoder.GetChars(buffer, offset, count, chars, 0);
            writer.Write(chars);
        }

        public override void Flush() => writer.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
