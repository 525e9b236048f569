namespace Yak.Environments.Diagnostics;

/// <summary>How bad a diagnostic is: errors stop the environment from being built, warnings do not.</summary>
public enum DiagnosticSeverity
{
    Error,
    Warning,
}

/// <summary>
/// One problem found in a spec file, located at the node it is about.
/// <see cref="ToString"/> gives the familiar <c>file:line:column: path: message</c> form.
/// </summary>
/// <param name="File">The file as it was named to the loader (or the env file it came from).</param>
/// <param name="Line">1-based line; 0 when the problem is the file as a whole (missing, unreadable): no place is made up.</param>
/// <param name="Column">1-based column; 0 with line 0.</param>
/// <param name="Path">Where in the document, e.g. <c>services.web.ports[0]</c>; empty for the document itself.</param>
/// <param name="Message">What was expected and what was found.</param>
/// <param name="Severity">Error or warning.</param>
public sealed record SpecDiagnostic(string File, int Line, int Column, string Path, string Message, DiagnosticSeverity Severity)
{
    public override string ToString()
    {
        var place = Line > 0 ? $"{File}:{Line}:{Column}" : File;
        return Path.Length == 0 ? $"{place}: {Message}" : $"{place}: {Path}: {Message}";
    }
}
