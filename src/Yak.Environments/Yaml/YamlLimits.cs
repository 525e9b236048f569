using Yak.Environments.Diagnostics;

namespace Yak.Environments.Yaml;

/// <summary>
/// The spec reader's limits (depth, alias uses, expanded size) for YAML that is then read some other way
/// (config.yaml goes through YamlDotNet's deserializer, which recurses without a bound): a text that passes
/// here cannot overflow a stack or expand into millions of values.
/// </summary>
public static class YamlLimits
{
    /// <summary>The problems the bounded reader found in <paramref name="text"/>, first first; empty when it is safe to read.</summary>
    public static IReadOnlyList<SpecDiagnostic> Check(string file, string text)
    {
        var bag = new DiagnosticBag(file);
        YamlDocumentReader.Read(text, bag);
        return bag.Errors;
    }
}
