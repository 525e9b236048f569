using System.Xml.Linq;

namespace Yak.Protocol.Tests.Architecture;

/// <summary>
/// Holds the product's references to the table in docs/architecture.md (and DESIGN.md "Layout"): references flow one
/// way, nothing in the product references the local cluster, Kube does not reference Sync, KubernetesClient is reached
/// through Yak.Kube. Reads the .csproj files, so it needs no reference to the projects it checks.
/// </summary>
public sealed class ProjectReferenceTests
{
    /// <summary>Every product project and the projects it may reference directly.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["Yak.Protocol"] = [],
        ["Yak.Client"] = ["Yak.Protocol"],
        ["Yak.Cli"] = ["Yak.Client", "Yak.Protocol"],
        ["Yak.Daemon"] = ["Yak.Protocol", "Yak.Environments", "Yak.Kube", "Yak.Forwarding", "Yak.Sync"],
        ["Yak.Environments"] = [],
        ["Yak.Kube"] = [],
        ["Yak.Forwarding"] = ["Yak.Kube"],
        ["Yak.Sync"] = [],
        ["Yak.Agent"] = ["Yak.Sync"],
        ["Yak.LocalCluster"] = [],
    };

    /// <summary>
    /// References that break the table today, each with why and who removes it. The test also fails when one of these
    /// is gone, so the list only ever shrinks.
    /// </summary>
    private static readonly (string From, string To, string Why)[] Pending = [];

    /// <summary>Who may reference KubernetesClient directly: the access layer, the manifest model, the test cluster.</summary>
    private static readonly string[] KubernetesClientUsers = ["Yak.Kube", "Yak.Environments", "Yak.LocalCluster"];

    [Fact]
    public void ProductProjects_AllInTheTable_NoneUnlisted()
    {
        var projects = ProductProjects().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(Allowed.Keys.Order(StringComparer.Ordinal), projects);
    }

    [Fact]
    public void ProjectReferences_EveryProductProject_OnlyAllowedOnes()
    {
        var broken = (from project in ProductProjects()
                      from reference in project.References
                      where !Allowed[project.Name].Contains(reference, StringComparer.Ordinal)
                      where !Pending.Any(p => p.From == project.Name && p.To == reference)
                      select $"{project.Name} → {reference}").ToList();

        Assert.True(broken.Count == 0, $"References outside the table in docs/architecture.md: {string.Join(", ", broken)}. Reference through an allowed project, or change the table (and DESIGN.md) with the team.");
    }

    [Fact]
    public void PendingExceptions_EachStillExists_ListOnlyShrinks()
    {
        var projects = ProductProjects().ToDictionary(p => p.Name, StringComparer.Ordinal);

        var gone = Pending.Where(p => !projects[p.From].References.Contains(p.To, StringComparer.Ordinal)).Select(p => $"{p.From} → {p.To}").ToList();

        Assert.True(gone.Count == 0, $"Fixed, so remove from Pending in {nameof(ProjectReferenceTests)}: {string.Join(", ", gone)}");
    }

    [Fact]
    public void KubernetesClient_ReferencedDirectly_OnlyByTheAccessLayerAndModels()
    {
        var direct = ProductProjects().Where(p => p.Packages.Contains("KubernetesClient", StringComparer.Ordinal)).Select(p => p.Name).ToList();

        Assert.All(direct, name => Assert.Contains(name, KubernetesClientUsers));
    }

    [Fact]
    public void ArchitectureDoc_NamesEveryProductProject()
    {
        var doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "architecture.md"));

        Assert.All(Allowed.Keys, name => Assert.Contains($"`{name}`", doc, StringComparison.Ordinal));
    }

    private static IEnumerable<(string Name, List<string> References, List<string> Packages)> ProductProjects()
    {
        foreach (var file in Directory.EnumerateDirectories(Path.Combine(RepositoryRoot(), "src")).SelectMany(d => Directory.EnumerateFiles(d, "*.csproj")))
        {
            var xml = XDocument.Load(file);
            var references = xml.Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
                .ToList();
            var packages = xml.Descendants("PackageReference").Select(r => r.Attribute("Include")!.Value).ToList();
            yield return (Path.GetFileNameWithoutExtension(file), references, packages);
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "YakDaemon.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("YakDaemon.sln not found above the test folder");
    }
}
