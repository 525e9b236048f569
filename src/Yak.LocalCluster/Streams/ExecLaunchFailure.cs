using System.Text;

namespace Yak.LocalCluster.Streams;

/// <summary>
/// Recognises the launcher's own complaint when an exec's executable cannot be run ("nsenter: failed to execute
/// X: No such file or directory") and words it as a container runtime does, so how local pods run never shows:
/// the caller writes that message in place of the launcher's and the exec ends with the launcher's exit code.
/// </summary>
internal sealed class ExecLaunchFailure
{
    private const string Prefix = "nsenter: failed to execute ";
    private bool firstChunkSeen;

    /// <summary>The runtime's message once the launcher failed; null while the command runs normally.</summary>
    public string? Message { get; private set; }

    /// <summary>True when <paramref name="data"/> is the launcher's failure (then <see cref="Message"/> is sent instead).</summary>
    public bool Swallow(ReadOnlyMemory<byte> data)
    {
        if (firstChunkSeen)
        {
            return false;
        }

        firstChunkSeen = true;
        var text = Encoding.UTF8.GetString(data.Span[..Math.Min(data.Length, 4096)]);
        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = text[Prefix.Length..].TrimEnd('\r', '\n');
        var colon = rest.LastIndexOf(": ", StringComparison.Ordinal);
        var name = colon > 0 ? rest[..colon] : rest;
        var reason = colon > 0 ? rest[(colon + 2)..] : string.Empty;
        var why = reason.Contains("No such file", StringComparison.Ordinal) ? "executable file not found in $PATH" : reason.ToLowerInvariant();
        Message = $"OCI runtime exec failed: exec failed: unable to start container process: exec: \"{name}\": {why}: unknown";
        return true;
    }
}
