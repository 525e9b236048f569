using Yak.Environments.Yaml;

namespace Yak.Environments.Diagnostics;

/// <summary>Collects every error and warning of one load, so the user sees them all at once.</summary>
internal sealed class DiagnosticBag(string file)
{
    private readonly List<SpecDiagnostic> items = [];

    public string File { get; } = file;

    public IReadOnlyList<SpecDiagnostic> Errors => [.. items.Where(d => d.Severity == DiagnosticSeverity.Error)];

    public IReadOnlyList<SpecDiagnostic> Warnings => [.. items.Where(d => d.Severity == DiagnosticSeverity.Warning)];

    public bool HasErrors => items.Any(d => d.Severity == DiagnosticSeverity.Error);

    public void Error(YNode node, string path, string message) => Error(node.Start, path, message);

    public void Error(SourceMark at, string path, string message) =>
        items.Add(new SpecDiagnostic(File, at.Line, at.Column, path, message, DiagnosticSeverity.Error));

    public void Warning(YNode node, string path, string message) =>
        items.Add(new SpecDiagnostic(File, node.Start.Line, node.Start.Column, path, message, DiagnosticSeverity.Warning));

    public void Add(SpecDiagnostic diagnostic) => items.Add(diagnostic);
}
