using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Yak.Protocol.Transport;

/// <summary>
/// The one reader of a message's header block (the lines before the blank line) for every end of the wire: the
/// daemon's framing guard, the JSON-RPC handler and the side-channel client all call it, so no two parts can
/// disagree about where a message ends. A header block with no, a duplicate (in any letter case, even with the
/// same value) or a malformed Content-Length is refused: the caller ends the connection.
/// </summary>
public static class ContentLengthHeader
{
    private static ReadOnlySpan<byte> Name => "Content-Length"u8;

    /// <summary>
    /// Returns the body length announced by <paramref name="headers"/> (without the final blank line). Throws
    /// <see cref="InvalidDataException"/> for a malformed line, a missing, duplicate or non-decimal Content-Length,
    /// or one above <paramref name="maxBodyBytes"/>.
    /// </summary>
    public static int Parse(ReadOnlySpan<byte> headers, int maxBodyBytes)
    {
        long? length = null;
        foreach (var range in headers.Split("\r\n"u8))
        {
            var line = headers[range];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                throw new InvalidDataException($"Malformed header line '{Printable(line)}'.");
            }

            if (!Ascii.EqualsIgnoreCase(line[..colon].Trim((byte)' '), Name))
            {
                continue;
            }

            if (length is not null)
            {
                throw new InvalidDataException("More than one Content-Length header.");
            }

            var value = line[(colon + 1)..].Trim((byte)' ');
            // Digits only: no sign, no leading '+', nothing after the number; 10 digits already exceed any limit.
            if (value.IsEmpty || value.Length > 10 || value.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0 ||
                !Utf8Parser.TryParse(value, out long parsed, out var consumed) || consumed != value.Length)
            {
                throw new InvalidDataException($"Content-Length '{Printable(value)}' is not a decimal number.");
            }

            length = parsed;
        }

        if (length is not { } announced)
        {
            throw new InvalidDataException("Message without a Content-Length header.");
        }

        if (announced > maxBodyBytes)
        {
            throw new InvalidDataException($"Message of {announced} bytes exceeds the {maxBodyBytes}-byte limit.");
        }

        return (int)announced;
    }

    /// <inheritdoc cref="Parse(ReadOnlySpan{byte}, int)"/>
    public static int Parse(ReadOnlySequence<byte> headers, int maxBodyBytes) =>
        headers.IsSingleSegment ? Parse(headers.FirstSpan, maxBodyBytes) : Parse(headers.ToArray(), maxBodyBytes);

    /// <summary>The header block for a body of <paramref name="bodyLength"/> bytes, blank line included.</summary>
    public static byte[] Format(int bodyLength) => Encoding.ASCII.GetBytes($"Content-Length: {bodyLength}\r\n\r\n");

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var shown = bytes[..Math.Min(bytes.Length, 80)];
        var text = new StringBuilder(shown.Length);
        foreach (var b in shown)
        {
            text.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        }

        return text.ToString();
    }
}
