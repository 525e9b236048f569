using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Yak.Environments.Naming;

/// <summary>
/// Kubernetes-safe names for yak's objects. Every name is a DNS-1123 label (lowercase <c>[a-z0-9-]</c>, starting and
/// ending alphanumeric, at most 63). Accents are folded (<c>Müller</c> → <c>muller</c>); a name that had to be shortened,
/// or that has no usable character left (<c>山田</c>), gets an 8-hex-digit hash of the original so distinct inputs stay distinct.
/// </summary>
public static class KubeNames
{
    public const int MaxLabel = 63;
    public const string Prefix = "yak";
    public const string OwnerLabel = "yak.dev/owner";
    public const string EnvironmentLabel = "yak.dev/environment";
    public const string ServiceLabel = "yak.dev/service";
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string ManagedByValue = "yak";
    public const string NameLabel = "app.kubernetes.io/name";
    public const string PartOfLabel = "app.kubernetes.io/part-of";

    /// <summary>The namespace of <paramref name="user"/>'s environment <paramref name="environment"/>: <c>yak-&lt;user&gt;-&lt;env&gt;</c>.</summary>
    public static string Namespace(string user, string environment)
    {
        var name = $"{Prefix}-{Part(user)}-{Part(environment)}";
        return name.Length <= MaxLabel ? name : Shorten(name, $"{user}\n{environment}", MaxLabel);
    }

    /// <summary>A DNS-1123 label made from any text (also a valid label value), at most <paramref name="max"/> characters.</summary>
    public static string Label(string text, int max = MaxLabel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 10);
        var clean = Sanitize(text, int.MaxValue);
        if (clean.Length == 0)
        {
            return $"x{Hash(text)}";
        }

        return clean.Length <= max ? clean : Shorten(clean, text, max);
    }

    /// <summary>
    /// Folds <paramref name="text"/> to <c>[a-z0-9-]</c> (accents dropped, other characters become '-', runs of '-'
    /// collapse, no '-' at either end), cut to <paramref name="max"/>. May return an empty string.
    /// </summary>
    public static string Sanitize(string text, int max)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in Decompose(text))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            var lower = char.ToLowerInvariant(c);
            if (lower is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                builder.Append(lower);
            }
            else if (Fold(lower) is { } folded)
            {
                builder.Append(folded);
            }
            else if (builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }
        }

        var result = builder.ToString().Trim('-');
        return result.Length <= max ? result : result[..max].TrimEnd('-');
    }

    /// <summary>The first 8 hex digits of the SHA-256 of <paramref name="text"/> (UTF-8).</summary>
    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..8];

    private static string Decompose(string text)
    {
        try
        {
            return text.Normalize(NormalizationForm.FormKD);
        }
        catch (PlatformNotSupportedException)
        {
            return text;
        }
    }

    // Invariant-globalization builds may not decompose, so the common Latin letters are folded by hand as well.
    private static string? Fold(char c) => c switch
    {
        'à' or 'á' or 'â' or 'ã' or 'ä' or 'å' or 'ā' or 'ă' or 'ą' => "a",
        'æ' => "ae",
        'ç' or 'ć' or 'č' => "c",
        'ď' or 'đ' or 'ð' => "d",
        'è' or 'é' or 'ê' or 'ë' or 'ē' or 'ė' or 'ę' or 'ě' => "e",
        'ğ' => "g",
        'ì' or 'í' or 'î' or 'ï' or 'ī' or 'ı' or 'į' => "i",
        'ł' or 'ľ' or 'ĺ' => "l",
        'ñ' or 'ń' or 'ň' => "n",
        'ò' or 'ó' or 'ô' or 'õ' or 'ö' or 'ø' or 'ō' or 'ő' => "o",
        'œ' => "oe",
        'ř' or 'ŕ' => "r",
        'ś' or 'š' or 'ş' => "s",
        'ß' => "ss",
        'ť' or 'ţ' => "t",
        'þ' => "th",
        'ù' or 'ú' or 'û' or 'ü' or 'ū' or 'ů' or 'ű' or 'ų' => "u",
        'ý' or 'ÿ' => "y",
        'ź' or 'ż' or 'ž' => "z",
        _ => null,
    };

    private static string Part(string text)
    {
        var clean = Sanitize(text, int.MaxValue);
        return clean.Length == 0 ? $"x{Hash(text)}" : clean;
    }

    private static string Shorten(string clean, string original, int max) => $"{clean[..(max - 9)].TrimEnd('-')}-{Hash(original)}";
}
