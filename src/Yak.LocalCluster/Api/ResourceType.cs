namespace Yak.LocalCluster.Api;

/// <summary>One REST resource the server serves (group, version, plural) and how it behaves.</summary>
public sealed record ResourceType(
    string Group,
    string Version,
    string Plural,
    string Singular,
    string Kind,
    bool Namespaced,
    IReadOnlyList<string> ShortNames,
    IReadOnlyList<string> Subresources,
    bool HasStatus,
    bool ReturnsDeletedObject)
{
    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string ListKind => Kind + "List";

    /// <summary>The resource as it appears in error messages, e.g. <c>deployments.apps</c>.</summary>
    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public bool HasSubresource(string name) => Subresources.Contains(name, StringComparer.Ordinal);
}
