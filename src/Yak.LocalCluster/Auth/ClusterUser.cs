namespace Yak.LocalCluster.Auth;

/// <summary>Who made a request, as the apiserver's authenticators describe users: a name, a uid and groups.</summary>
public sealed record ClusterUser(string Name, string Uid, IReadOnlyList<string> Groups)
{
    /// <summary>The group whose members may do everything (the apiserver's superuser group, bound to cluster-admin).</summary>
    public const string MastersGroup = "system:masters";

    public const string AuthenticatedGroup = "system:authenticated";

    /// <summary>The groups as the authorizer sees them: the configured ones plus <c>system:authenticated</c>.</summary>
    public IEnumerable<string> EffectiveGroups => Groups.Contains(AuthenticatedGroup) ? Groups : Groups.Append(AuthenticatedGroup);

    public bool IsMaster => Groups.Contains(MastersGroup);
}
