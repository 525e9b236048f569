using System.Security.Cryptography;
using Yak.Daemon.Hosting;

namespace Yak.Daemon.Sync.Agent;

/// <summary>One yak-agent executable for one node platform, as shipped with yakd.</summary>
/// <param name="Platform">e.g. <c>linux-amd64</c> (Kubernetes' names: <c>kubernetes.io/os</c>-<c>kubernetes.io/arch</c>).</param>
/// <param name="Path">The executable on this machine.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the file.</param>
/// <param name="Size">Bytes.</param>
/// <param name="Version">yakd's version (agent and daemon ship together), unless the builds say otherwise.</param>
public sealed record AgentBuild(string Platform, string Path, string Sha256, long Size, string Version)
{
    /// <summary>
    /// The folder in the sidecar's agent volume this build lives in: version plus content hash, so a rebuilt agent of
    /// the same version never reuses a stale copy and two builds never share a path.
    /// </summary>
    public string RemoteDirectory => $"{SyncAgentLayout.MountPath}/{Version}-{Sha256[..16]}";

    public string RemotePath => $"{RemoteDirectory}/yak-agent";
}

/// <summary>
/// The agent builds yakd can install into pods: <c>agents/&lt;os&gt;-&lt;arch&gt;/yak-agent</c> beside yakd (packages lay
/// them out there), or under <c>YAK_AGENTS_DIR</c>. Hashes are computed once per build and process.
/// </summary>
public sealed class AgentBuilds(string directory, string? version = null)
{
    public const string DirectoryVariable = "YAK_AGENTS_DIR";

    private readonly Dictionary<string, AgentBuild?> cache = new(StringComparer.Ordinal);

    public string Directory { get; } = directory;

    public static AgentBuilds FromEnvironment() =>
        new(Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } configured
            ? System.IO.Path.GetFullPath(configured)
            : System.IO.Path.Combine(AppContext.BaseDirectory, "agents"));

    /// <summary>Platforms with a build here, e.g. linux-amd64, linux-arm64.</summary>
    public IReadOnlyList<string> Platforms =>
        System.IO.Directory.Exists(Directory)
            ? [.. System.IO.Directory.EnumerateDirectories(Directory).Where(d => File.Exists(System.IO.Path.Combine(d, "yak-agent"))).Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)]
            : [];

    /// <summary>The build for <paramref name="platform"/>, or null when none ships.</summary>
    public AgentBuild? Find(string platform)
    {
        lock (cache)
        {
            if (cache.TryGetValue(platform, out var known))
            {
                return known;
            }

            var path = System.IO.Path.Combine(Directory, platform, "yak-agent");
            AgentBuild? build = null;
            if (File.Exists(path))
            {
                using var stream = File.OpenRead(path);
                var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
                build = new AgentBuild(platform, path, hash, stream.Length, version ?? DaemonInfo.Version);
            }

            cache[platform] = build;
            return build;
        }
    }

    /// <summary>Maps <c>uname -s</c>/<c>uname -m</c> to a platform name, e.g. Linux x86_64 → linux-amd64.</summary>
    public static string Platform(string kernel, string machine)
    {
        var os = kernel.Trim().ToLowerInvariant();
        var arch = machine.Trim().ToLowerInvariant() switch
        {
            "x86_64" or "amd64" => "amd64",
            "aarch64" or "arm64" or "armv8l" => "arm64",
            var other => other,
        };
        return $"{os}-{arch}";
    }
}
