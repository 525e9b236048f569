using System.Security.Cryptography;
using System.Text;

namespace Yak.Protocol.Transport;

/// <summary>
/// The Windows named pipe for a user, and the security descriptor that admits only that user. Pure string
/// construction so it is testable on every platform; the daemon applies it with PipeSecurity on Windows.
/// </summary>
public static class WindowsPipeName
{
    /// <summary>Per-user name; hashed so odd characters in account names never reach the pipe namespace.</summary>
    public static string ForUser(string domain, string user)
    {
        var identity = $"{domain}\\{user}".ToUpperInvariant();
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..16].ToLowerInvariant();
        return $"yakd-{hash}";
    }

    /// <summary>
    /// SDDL granting full control to the owner SID only: protected DACL (no inherited entries), owner and
    /// group the user, one allow entry. Everyone else, administrators included, has no entry.
    /// </summary>
    public static string SecurityDescriptorFor(string userSid)
    {
        if (string.IsNullOrWhiteSpace(userSid) || !userSid.StartsWith("S-1-", StringComparison.Ordinal) || userSid.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"'{userSid}' is not a SID.", nameof(userSid));
        }

        return $"O:{userSid}G:{userSid}D:P(A;;GA;;;{userSid})";
    }
}
