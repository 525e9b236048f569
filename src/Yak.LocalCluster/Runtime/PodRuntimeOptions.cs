namespace Yak.LocalCluster.Runtime;

/// <summary>How the node runs pods. Defaults follow the kubelet; tests shorten the back-off.</summary>
public sealed class PodRuntimeOptions
{
    public PodRuntimeOptions(string stateDirectory)
    {
        StateDirectory = Path.GetFullPath(stateDirectory);
    }

    /// <summary>The cluster's state folder: pods (volumes, logs), PVC folders, <c>images.yaml</c>.</summary>
    public string StateDirectory { get; }

    /// <summary>First restart delay after a container exits; doubles on each further restart (kubelet: 10 s).</summary>
    public TimeSpan RestartBackoffBase { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Cap of the restart delay (kubelet: 5 min).</summary>
    public TimeSpan RestartBackoffMax { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether pods get their own network and mount namespaces. <c>null</c> means: yes when running as root on Linux
    /// with <c>unshare</c>, <c>nsenter</c> and <c>ip</c> available; otherwise the host fallback.
    /// </summary>
    public bool? UseNamespaces { get; set; }

    /// <summary>Registries (<c>host:port</c>) pulled from over plain HTTP; loopback registries always are, as container runtimes allow.</summary>
    public IReadOnlySet<string> InsecureRegistries { get; set; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Bound of one registry request (a layer download included).</summary>
    public TimeSpan ImagePullTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Bound of an image's download and of its unpacked size.</summary>
    public long MaxImageBytes { get; set; } = 8L * 1024 * 1024 * 1024;
}
