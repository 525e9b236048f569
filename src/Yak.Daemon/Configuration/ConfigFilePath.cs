using Yak.Protocol.Transport;

namespace Yak.Daemon.Configuration;

/// <summary>Where yakd's config.yaml lives (<c>$XDG_CONFIG_HOME/yak/config.yaml</c>).</summary>
internal sealed class ConfigFilePath(DaemonEndpoint endpoint)
{
    public const string FileName = "config.yaml";

    public string Path { get; } = System.IO.Path.Combine(endpoint.ConfigDirectory, FileName);
}
