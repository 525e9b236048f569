using Yak.Environments.Compose;
using Yak.Environments.Diagnostics;
using Yak.Environments.Loading;
using Yak.Environments.Spec;
using Yak.Environments.Yaml;

namespace Yak.Environments;

/// <summary>The outcome of loading a spec: the spec when there were no errors, and every error and warning found.</summary>
/// <param name="Spec">The spec, or null when <see cref="Errors"/> is not empty.</param>
/// <param name="Errors">Every error, in the order found (file:line:column: path: message).</param>
/// <param name="Warnings">Things yak ignored or changed (e.g. unsupported compose keys).</param>
public sealed record LoadResult(EnvironmentSpec? Spec, IReadOnlyList<SpecDiagnostic> Errors, IReadOnlyList<SpecDiagnostic> Warnings)
{
    public bool Success => Spec is not null && Errors.Count == 0;
}

/// <summary>
/// Loads <c>yak.yaml</c> or <c>docker-compose.yml</c> into an <see cref="EnvironmentSpec"/>. Never throws for a bad
/// file: every problem comes back located in <see cref="LoadResult.Errors"/>.
/// </summary>
public static class EnvironmentSpecLoader
{
    /// <summary>The file names looked for in a folder, in order of preference.</summary>
    public static IReadOnlyList<string> SpecFileNames { get; } =
        ["yak.yaml", "yak.yml", "compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];

    /// <summary>The spec file in <paramref name="directory"/> (first of <see cref="SpecFileNames"/>), or null.</summary>
    public static string? FindSpecFile(string directory) =>
        SpecFileNames.Select(name => Path.Combine(directory, name)).FirstOrDefault(File.Exists);

    /// <summary>Compose when the file name says so (<c>compose.yaml</c>, <c>docker-compose.yml</c>, <c>*.compose.yml</c>…), else yak.</summary>
    public static SpecFormat DetectFormat(string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        return name.Contains("compose", StringComparison.Ordinal) ? SpecFormat.Compose : SpecFormat.Yak;
    }

    /// <summary>Loads a spec file, or the spec file found in a folder.</summary>
    /// <param name="path">A yak.yaml / compose file, or a folder holding one.</param>
    /// <param name="format">Forces the format; by default it follows the file name.</param>
    public static LoadResult Load(string path, SpecFormat? format = null)
    {
        var file = Directory.Exists(path) ? FindSpecFile(path) : path;
        if (file is null)
        {
            var missing = new SpecDiagnostic(path, 0, 0, string.Empty, $"no spec file found (looked for {string.Join(", ", SpecFileNames)})", DiagnosticSeverity.Error);
            return new LoadResult(null, [missing], []);
        }

        if (!File.Exists(file))
        {
            return new LoadResult(null, [new SpecDiagnostic(file, 0, 0, string.Empty, "no such file or folder", DiagnosticSeverity.Error)], []);
        }

        string text;
        try
        {
            text = Files.BoundedTextFile.Read(file, Files.BoundedTextFile.MaxSpecBytes, followLinks: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new LoadResult(null, [new SpecDiagnostic(file, 0, 0, string.Empty, $"cannot read the file: {ex.Message}", DiagnosticSeverity.Error)], []);
        }

        return LoadText(text, file, format);
    }

    /// <summary>Loads spec text as if read from <paramref name="path"/> (relative paths in it resolve against its folder).</summary>
    public static LoadResult LoadText(string text, string path, SpecFormat? format = null)
    {
        var bag = new DiagnosticBag(path);
        var root = YamlDocumentReader.Read(text, bag);
        var reader = new NodeReader(bag);
        var full = Path.GetFullPath(path);
        EnvironmentSpec? spec = null;
        if (!bag.HasErrors || root is not null)
        {
            spec = (format ?? DetectFormat(path)) == SpecFormat.Compose
                ? new ComposeSpecReader(reader, full).Read(root)
                : new YakSpecReader(reader, full).Read(root);
        }

        return bag.HasErrors ? new LoadResult(null, bag.Errors, bag.Warnings) : new LoadResult(spec, bag.Errors, bag.Warnings);
    }
}
