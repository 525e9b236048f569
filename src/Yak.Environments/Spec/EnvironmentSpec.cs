namespace Yak.Environments.Spec;

/// <summary>Which file format a spec was read from.</summary>
public enum SpecFormat
{
    Yak,
    Compose,
}

/// <summary>A whole environment: its name and its services, in the order the file lists them.</summary>
/// <param name="Name">The environment name (a DNS-1123 label).</param>
/// <param name="SourceFile">Absolute path of the file the spec came from.</param>
/// <param name="Format">yak.yaml or docker-compose.yml.</param>
/// <param name="Services">The services, in file order.</param>
/// <param name="AgentBaseImage">The sync sidecar's base image for this environment (<c>agent.baseImage</c>), or null for config.yaml's.</param>
public sealed record EnvironmentSpec(string Name, string SourceFile, SpecFormat Format, IReadOnlyList<ServiceSpec> Services, string? AgentBaseImage = null)
{
    /// <summary>The folder the spec's relative paths are resolved against.</summary>
    public string BaseDirectory => Path.GetDirectoryName(SourceFile) ?? ".";

    public ServiceSpec? this[string serviceName] => Services.FirstOrDefault(s => s.Name == serviceName);
}
