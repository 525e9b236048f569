namespace Yak.Daemon.Images;

/// <summary>A registry login from a docker config (a pull secret's <c>.dockerconfigjson</c>).</summary>
internal sealed record RegistryLogin(string Username, string Password)
{
    public override string ToString() => $"{Username}:***";
}
