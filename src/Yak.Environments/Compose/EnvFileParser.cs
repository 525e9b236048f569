using Yak.Environments.Diagnostics;
using Yak.Environments.Spec;
using Yak.Environments.Validation;
using Yak.Environments.Yaml;

namespace Yak.Environments.Compose;

/// <summary>Reads a compose env file: <c>KEY=value</c> lines, <c>#</c> comments, optional <c>export</c>, quoted values.</summary>
internal static class EnvFileParser
{
    /// <summary>An env file larger than this is refused (a link to /dev/zero or a huge file must not fill memory).</summary>
    public const long MaxBytes = 1 << 20;

    public static List<EnvVar> Parse(string fullPath, string displayPath, DiagnosticBag bag, SourceMark at = default)
    {
        var result = new List<EnvVar>();
        string[] lines;
        try
        {
            lines = Files.BoundedTextFile.Read(fullPath, MaxBytes, followLinks: false).Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            bag.Error(at, string.Empty, $"env file \"{displayPath}\" refused: {e.Message}; env files must be plain files in the project");
            return result;
        }

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line["export ".Length..].TrimStart();
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            var name = (equals < 0 ? line : line[..equals]).Trim();
            if (!Rules.IsEnvName(name))
            {
                bag.Add(new SpecDiagnostic(displayPath, i + 1, 1, string.Empty, $"expected KEY=value, got \"{lines[i].Trim()}\"", DiagnosticSeverity.Error));
                continue;
            }

            var value = equals < 0 ? string.Empty : line[(equals + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
            {
                var doubleQuoted = value[0] == '"';
                value = value[1..^1];
                if (doubleQuoted)
                {
                    value = value.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal);
                }
            }
            else if (value.IndexOf(" #", StringComparison.Ordinal) is var comment and >= 0)
            {
                value = value[..comment].TrimEnd();
            }

            result = Loading.CommonReaders.Merge(result, [new EnvVar(name, value)]);
        }

        return result;
    }
}
