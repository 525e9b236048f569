using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Yak.LocalCluster.Runtime;

/// <summary>How an image runs on this host: no image is pulled; its name picks a default command and extra PATH folders.</summary>
/// <param name="Name">The table key (registry and tag stripped).</param>
/// <param name="DefaultCommand">The image's CMD, used when the container gives neither command nor args.</param>
/// <param name="PathPrepend">Folders put in front of the host's PATH.</param>
/// <param name="Env">Environment the image sets (container env overrides it).</param>
public sealed record ImageEntry(string Name, IReadOnlyList<string> DefaultCommand, IReadOnlyList<string> PathPrepend, IReadOnlyDictionary<string, string> Env)
{
    /// <summary>The image's ENTRYPOINT (pulled images); host-tool entries have none, so args replace their CMD.</summary>
    public IReadOnlyList<string> Entrypoint { get; init; } = [];

    /// <summary>The pulled image's root filesystem (shared, read-only), or null for a host tool run on the host's files.</summary>
    public string? RootFs { get; init; }

    /// <summary>The image config's WorkingDir and User (pulled images).</summary>
    public string WorkingDir { get; init; } = string.Empty;

    public string User { get; init; } = string.Empty;

    /// <summary>What <c>containerStatuses[].imageID</c> reports.</summary>
    public string ImageId { get; init; } = $"yak-local://{Name}";

    /// <summary>What <c>containerStatuses[].image</c> reports, when not the spec's own text.</summary>
    public string? Reference { get; init; }
}

/// <summary>
/// Maps image names to local commands. Built in: busybox, alpine, debian, ubuntu, python, node (the host's tools run the
/// container's command as given). Users add or override entries in <c>images.yaml</c> in the
/// state folder:
/// <code>
/// images:
///   myapp:                 # matches myapp, registry.example/team/myapp:1.2
///     command: [python3, /srv/myapp/main.py]
///     path: [/srv/myapp/bin]
///     env: { APP_MODE: local }
/// </code>
/// </summary>
public sealed class ImageTable
{
    public const string FileName = "images.yaml";

    private readonly Dictionary<string, ImageEntry> entries = new(StringComparer.Ordinal);

    public ImageTable(PodRuntimeOptions options)
    {
        var none = new Dictionary<string, string>();
        Add(new ImageEntry("busybox", ["sh"], [], none));
        Add(new ImageEntry("alpine", ["/bin/sh"], [], none));
        Add(new ImageEntry("debian", ["bash"], [], none));
        Add(new ImageEntry("ubuntu", ["bash"], [], none));
        Add(new ImageEntry("python", ["python3"], [], none));
        Add(new ImageEntry("node", ["node"], [], none));

        LoadUserEntries(Path.Combine(options.StateDirectory, FileName));
    }

    /// <summary>Why <c>images.yaml</c> could not be read, or null.</summary>
    public string? LoadError { get; private set; }

    public void Add(ImageEntry entry) => entries[entry.Name] = entry;

    /// <summary>Finds the entry for an image reference such as <c>docker.io/library/busybox:1.36</c>, or null when unknown.</summary>
    public ImageEntry? Resolve(string? image)
    {
        foreach (var candidate in Candidates(image ?? string.Empty))
        {
            if (entries.TryGetValue(candidate, out var entry))
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>The lookup keys of an image reference, most specific first: full path, path without registry, last segment.</summary>
    public static IEnumerable<string> Candidates(string image)
    {
        var name = image.Trim();
        var at = name.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            name = name[..at];
        }

        var colon = name.LastIndexOf(':');
        if (colon > name.LastIndexOf('/'))
        {
            name = name[..colon];
        }

        name = name.ToLowerInvariant();
        yield return name;
        var parts = name.Split('/');
        if (parts.Length > 1 && (parts[0].Contains('.', StringComparison.Ordinal) || parts[0].Contains(':', StringComparison.Ordinal) || parts[0] == "localhost"))
        {
            var withoutRegistry = string.Join('/', parts[1..]);
            yield return withoutRegistry;
            if (withoutRegistry.StartsWith("library/", StringComparison.Ordinal))
            {
                yield return withoutRegistry["library/".Length..];
            }
        }

        if (parts.Length > 1)
        {
            yield return parts[^1];
        }
    }

    private void LoadUserEntries(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        try
        {
            var deserializer = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).IgnoreUnmatchedProperties().Build();
            var file = deserializer.Deserialize<ImagesFile?>(File.ReadAllText(path));
            foreach (var (name, spec) in file?.Images ?? [])
            {
                Add(new ImageEntry(
                    name.ToLowerInvariant(),
                    spec?.Command ?? [],
                    spec?.Path ?? [],
                    spec?.Env ?? []));
            }
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            LoadError = $"{path}: {ex.Message}";
        }
    }

    private sealed class ImagesFile
    {
        public Dictionary<string, ImageSpec?>? Images { get; set; }
    }

    private sealed class ImageSpec
    {
        public List<string>? Command { get; set; }

        public List<string>? Path { get; set; }

        public Dictionary<string, string>? Env { get; set; }
    }
}
