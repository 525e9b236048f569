using Yak.Environments.Diagnostics;
using Yak.Environments.Spec;
using Yak.Environments.Validation;

namespace Yak.Environments.Compose;

/// <summary>Reads a compose env file: <c>KEY=value</c> lines, <c>#</c> comments, optional <c>export</c>, quoted values.</summary>
internal static class EnvFileParser
{
    public static List<EnvVar> Parse(string fullPath, string displayPath, DiagnosticBag bag)
    {
        var result = new List<EnvVar>();
        var lines = File.ReadAllLines(fullPath);
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
