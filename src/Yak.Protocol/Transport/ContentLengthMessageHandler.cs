using System.Buffers;
using System.IO.Pipelines;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace Yak.Protocol.Transport;

/// <summary>
/// Content-Length framing (as LSP) for JSON-RPC, with the header block read by <see cref="ContentLengthHeader"/>
/// (the parser the daemon's guard uses too) and both limits enforced before anything is buffered: a header
/// block over <see cref="RpcWire.MaxHeaderBytes"/> or a body over <see cref="RpcWire.MaxMessageBytes"/> ends the
/// connection. Bodies are UTF-8 JSON; a Content-Type header is accepted and ignored.
/// </summary>
public sealed class ContentLengthMessageHandler(PipeWriter sending, PipeReader receiving, IJsonRpcMessageFormatter formatter)
    : PipeMessageHandler(sending, receiving, formatter)
{
    private static ReadOnlySpan<byte> EndOfHeaders => "\r\n\r\n"u8;

    protected override async ValueTask<JsonRpcMessage?> ReadCoreAsync(CancellationToken cancellationToken)
    {
        var reader = Reader ?? throw new InvalidOperationException("This handler cannot read.");
        int length;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var end = FindEndOfHeaders(buffer);
            if (end is { } headersEnd)
            {
                length = ContentLengthHeader.Parse(buffer.Slice(0, headersEnd), RpcWire.MaxMessageBytes);
                reader.AdvanceTo(buffer.GetPosition(headersEnd + EndOfHeaders.Length));
                break;
            }

            if (buffer.Length > RpcWire.MaxHeaderBytes)
            {
                throw new InvalidDataException($"Header block longer than {RpcWire.MaxHeaderBytes} bytes.");
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                return buffer.IsEmpty ? null : throw new EndOfStreamException("The connection ended inside a message header.");
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }

        while (true)
        {
            var result = await reader.ReadAtLeastAsync(length, cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length < length)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    throw new EndOfStreamException($"The connection ended {length - buffer.Length} bytes before the end of a message.");
                }

                continue;
            }

            // A copy: the formatter's document may keep referring to the bytes, and the pipe reuses its buffers.
            var body = buffer.Slice(0, length).ToArray();
            reader.AdvanceTo(buffer.GetPosition(length));
            return Formatter.Deserialize(new ReadOnlySequence<byte>(body));
        }
    }

    protected override void Write(JsonRpcMessage content, CancellationToken cancellationToken)
    {
        var writer = Writer ?? throw new InvalidOperationException("This handler cannot write.");
        var body = new ArrayBufferWriter<byte>();
        Formatter.Serialize(body, content);
        writer.Write(ContentLengthHeader.Format(body.WrittenCount));
        writer.Write(body.WrittenSpan);
    }

    /// <summary>Where the blank line starts, looking no further than the header limit.</summary>
    private static long? FindEndOfHeaders(ReadOnlySequence<byte> buffer)
    {
        var window = buffer.Slice(0, Math.Min(buffer.Length, RpcWire.MaxHeaderBytes + EndOfHeaders.Length));
        var reader = new SequenceReader<byte>(window);
        return reader.TryReadTo(out ReadOnlySequence<byte> headers, EndOfHeaders, advancePastDelimiter: false) ? headers.Length : null;
    }
}
