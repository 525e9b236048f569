namespace Yak.LocalCluster.Networking;

/// <summary>One port of a Service and the ready endpoints (pod IP, target port) behind it.</summary>
public sealed record ServicePortEntry(string? Name, int Port, string Protocol, IReadOnlyList<(string Ip, int Port)> Endpoints);

/// <summary>A Service as the pods' DNS and proxy see it: its ClusterIP (null when headless) and its ready pod IPs.</summary>
public sealed record ServiceEntry(string Namespace, string Name, string? ClusterIp, IReadOnlyList<ServicePortEntry> Ports, IReadOnlyList<string> ReadyIps);

/// <summary>
/// The Services and their ready endpoints, as last published by the API side (<see cref="ServiceDirectoryController"/>);
/// the node side (each pod's DNS server and ClusterIP proxy) reads it and is told when it changes.
/// </summary>
public sealed class ServiceDirectory
{
    /// <summary>Where the pods' DNS server answers (inside each pod's network namespace).</summary>
    public const string DnsAddress = "10.96.0.10";

    /// <summary>The service range; it is local to each pod's network namespace, so ClusterIPs are reachable only from pods.</summary>
    public const string ServiceCidr = "10.96.0.0/16";

    public const string ClusterDomain = "cluster.local";

    private volatile IReadOnlyList<ServiceEntry> _services = [];

    public IReadOnlyList<ServiceEntry> Services => _services;

    public event Action? Changed;

    public void Publish(IReadOnlyList<ServiceEntry> services)
    {
        var before = _services;
        if (before.Count == services.Count && before.Zip(services).All(p => Same(p.First, p.Second)))
        {
            return;
        }

        _services = services;
        Changed?.Invoke();
    }

    public ServiceEntry? Find(string ns, string name) =>
        _services.FirstOrDefault(s => s.Namespace == ns && s.Name == name);

    public ServicePortEntry? FindPort(string clusterIp, int port) =>
        _services.Where(s => s.ClusterIp == clusterIp).SelectMany(s => s.Ports).FirstOrDefault(p => p.Port == port && p.Protocol == "TCP");

    private static bool Same(ServiceEntry a, ServiceEntry b) =>
        a.Namespace == b.Namespace && a.Name == b.Name && a.ClusterIp == b.ClusterIp &&
        a.ReadyIps.SequenceEqual(b.ReadyIps) &&
        a.Ports.Count == b.Ports.Count &&
        a.Ports.Zip(b.Ports).All(p => p.First.Name == p.Second.Name && p.First.Port == p.Second.Port && p.First.Protocol == p.Second.Protocol && p.First.Endpoints.SequenceEqual(p.Second.Endpoints));
}
