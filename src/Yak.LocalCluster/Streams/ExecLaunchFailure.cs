using System.Text;

namespace Yak.LocalCluster.Streams;

/// <summary>
/// Recognises the launcher's own complaint when an exec's executable cannot be run ("nsenter: failed to execute
/// X: No such file or directory") and words it as a container runtime does, so how local pods run never shows:
/// the caller forwards what <see cref="Filter"/> returns in place of the output and the exec ends with the
/// launcher's exit code. The complaint can arrive in pieces (err(3) writes the program name, the message and the
/// reason separately to an unbuffered stderr), so output that may still become it is held until a line ends,
/// the held bytes can no longer match, or the process ends (<see cref="Release"/>).
/// </summary>
internal sealed class ExecLaunchFailure
{
    private const int MaxHeld = 4096;
    private static readonly byte[] Prefix = "nsenter: failed to execute "u8.ToArray();
    private readonly Lock gate = new();
    private readonly MemoryStream held = new();
    private bool decided;

    /// <summary>The runtime's message once the launcher failed; null while the command runs normally.</summary>
    public string? Message { get; private set; }

    /// <summary>The stream whose output is held, if any.</summary>
    public string? HeldStream { get; private set; }

    /// <summary>What to forward now for <paramref name="data"/> on <paramref name="stream"/>: empty while undecided.</summary>
    public ReadOnlyMemory<byte> Filter(string stream, ReadOnlyMemory<byte> data)
    {
        lock (gate)
        {
            if (decided || (HeldStream is not null && HeldStream != stream))
            {
                return data;
            }

            HeldStream = stream;
            held.Write(data.Span);
            var text = held.GetBuffer().AsSpan(0, (int)held.Length);
            var couldMatch = text.Length < Prefix.Length ? Prefix.AsSpan().StartsWith(text) : text.StartsWith(Prefix);
            if (couldMatch && !text.Contains((byte)'\n') && text.Length < MaxHeld)
            {
                return ReadOnlyMemory<byte>.Empty;
            }

            decided = true;
            if (!couldMatch || !text.Contains((byte)'\n'))
            {
                return held.ToArray();
            }

            var line = Encoding.UTF8.GetString(text[Prefix.Length..text.IndexOf((byte)'\n')]).TrimEnd('\r');
            var colon = line.LastIndexOf(": ", StringComparison.Ordinal);
            var name = colon > 0 ? line[..colon] : line;
            var reason = colon > 0 ? line[(colon + 2)..] : string.Empty;
            var why = reason.Contains("No such file", StringComparison.Ordinal) ? "executable file not found in $PATH" : reason.ToLowerInvariant();
            Message = $"OCI runtime exec failed: exec failed: unable to start container process: exec: \"{name}\": {why}: unknown";
            return Encoding.UTF8.GetBytes(Message + "\n");
        }
    }

    /// <summary>Ends the wait once the process has exited: what is still held is forwarded as it was.</summary>
    public ReadOnlyMemory<byte> Release()
    {
        lock (gate)
        {
            if (decided)
            {
                return ReadOnlyMemory<byte>.Empty;
            }

            decided = true;
            return held.ToArray();
        }
    }
}
