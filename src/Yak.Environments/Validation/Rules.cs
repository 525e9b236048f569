using System.Text.RegularExpressions;

namespace Yak.Environments.Validation;

/// <summary>The Kubernetes syntax rules a spec's values must follow.</summary>
internal static partial class Rules
{
    /// <summary>A DNS-1123 label: lowercase alphanumerics and '-', starting and ending alphanumeric, at most 63.</summary>
    public static bool IsDnsLabel(string value) => value.Length is > 0 and <= 63 && DnsLabel().IsMatch(value);

    /// <summary>A service name: a DNS-1035 label (starts with a letter) short enough for the <c>-headless</c> suffix.</summary>
    public static bool IsServiceName(string value) => value.Length is > 0 and <= MaxServiceName && Dns1035().IsMatch(value);

    public const int MaxServiceName = 54;

    /// <summary>A Kubernetes quantity such as <c>100m</c>, <c>0.5</c>, <c>512Mi</c>, <c>1G</c>.</summary>
    public static bool IsQuantity(string value) => Quantity().IsMatch(value);

    /// <summary>An IANA service name as Kubernetes port names must be: at most 15, lowercase, a letter, no "--".</summary>
    public static bool IsPortName(string value) =>
        value.Length is > 0 and <= 15 && PortName().IsMatch(value) && value.Any(char.IsLetter) && !value.Contains("--", StringComparison.Ordinal);

    public static bool IsAbsoluteContainerPath(string value) => value.StartsWith('/') && !value.Split('/').Contains("..");

    /// <summary>An environment variable name (C identifier-ish; Kubernetes also allows '.' and '-').</summary>
    public static bool IsEnvName(string value) => EnvName().IsMatch(value);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035();

    [GeneratedRegex(@"^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$")]
    private static partial Regex Quantity();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex PortName();

    [GeneratedRegex("^[-._a-zA-Z][-._a-zA-Z0-9]*$")]
    private static partial Regex EnvName();
}
