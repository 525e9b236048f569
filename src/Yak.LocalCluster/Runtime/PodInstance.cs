using k8s.Models;
using Yak.LocalCluster.Runtime.Images;

namespace Yak.LocalCluster.Runtime;

/// <summary>
/// A running pod: its sandbox and volume folders, init containers in order, then the containers; its status
/// (phase, conditions, container statuses) rebuilt and published on every change.
/// </summary>
public sealed class PodInstance
{
    private readonly object publishGate = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly Action<PodStatusUpdate> publish;
    private readonly Action<PodEventReport> report;
    private readonly Dictionary<string, DateTime> transitions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> lastConditions = new(StringComparer.Ordinal);
    private readonly DateTime startTime = DateTime.UtcNow;
    private PodContext? context;
    private List<ContainerRunner> initRunners = [];
    private List<ContainerRunner> runners = [];

    /// <summary>Folders with a tmpfs mounted (emptyDir medium: Memory), unmounted when the pod stops.</summary>
    private readonly List<string> memoryMounts = [];
    private bool initFailed;
    private bool initDone;
    private bool stopped;
    private Task lifetime = Task.CompletedTask;
    private Networking.PodServiceProxy? serviceProxy;

    private readonly IReadOnlyDictionary<string, IReadOnlyList<VolumeFile>> volumeFiles;

    internal PodInstance(V1Pod pod, IReadOnlyDictionary<string, IReadOnlyList<VolumeFile>> volumeFiles, Action<PodStatusUpdate> publish, Action<PodEventReport> report)
    {
        Pod = pod;
        this.volumeFiles = volumeFiles;
        this.publish = publish;
        this.report = report;
    }

    public V1Pod Pod { get; }

    public string Uid => Pod.Metadata?.Uid ?? string.Empty;

    public string Namespace => Pod.Metadata?.NamespaceProperty ?? "default";

    public string Name => Pod.Metadata?.Name ?? string.Empty;

    /// <summary>The pod's sandbox once created.</summary>
    public PodSandbox? Sandbox => context?.Sandbox;

    public IReadOnlyList<ContainerRunner> Containers => runners;

    public IReadOnlyList<ContainerRunner> InitContainers => initRunners;

    /// <summary>A container by name, or the first one when <paramref name="name"/> is empty (kubectl's default).</summary>
    public ContainerRunner? FindContainer(string? name) =>
        string.IsNullOrEmpty(name) ? runners.FirstOrDefault() : runners.Concat(initRunners).FirstOrDefault(r => r.Name == name);

    internal void Start(PodRuntimeOptions options, ContainerImages images, bool useNamespaces, Networking.ServiceDirectory? services)
    {
        Publish();
        lifetime = Task.Run(() => RunAsync(options, images, useNamespaces, services));
    }

    private async Task RunAsync(PodRuntimeOptions options, ContainerImages images, bool useNamespaces, Networking.ServiceDirectory? services)
    {
        var token = stopping.Token;
        PodSandbox sandbox;
        try
        {
            sandbox = useNamespaces ? await PodSandbox.CreateIsolatedAsync(PodHostname(), token).ConfigureAwait(false) : PodSandbox.Host();
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // The node stays usable: run the pod on the host network instead.
            Console.Error.WriteLine($"yak-local-cluster: pod {Namespace}/{Name}: no sandbox ({ex.Message}); running on the host network");
            sandbox = PodSandbox.Host();
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var resolvConf = StartServiceNetworking(options, sandbox, services);
        var ctx = new PodContext(Pod, sandbox, options, images, PrepareVolumes(options, sandbox.Isolated), WriteHostsFile(options, sandbox), report, resolvConf);
        var policy = ctx.RestartPolicy;
        initRunners = [.. (Pod.Spec?.InitContainers ?? []).Select(c => new ContainerRunner(ctx, c, policy == "Never" ? "Never" : "OnFailure", Publish))];
        runners = [.. (Pod.Spec?.Containers ?? []).Select(c => new ContainerRunner(ctx, c, policy, Publish))];
        context = ctx;
        Publish();
        foreach (var init in initRunners)
        {
            await init.RunAsync(token).ConfigureAwait(false);
            if (token.IsCancellationRequested)
            {
                return;
            }

            if (!init.Finished || init.FinalExitCode != 0)
            {
                initFailed = init.Finished;
                Publish();
                return;
            }
        }

        initDone = true;
        await Task.WhenAll(runners.Select(r => r.RunAsync(token))).ConfigureAwait(false);
    }

    /// <summary>
    /// In a sandbox with a pod IP: the cluster DNS and ClusterIP proxy inside the pod's namespace, and (dnsPolicy
    /// ClusterFirst, the default) a resolv.conf naming it, with the cluster's search path and ndots:5.
    /// </summary>
    private string? StartServiceNetworking(PodRuntimeOptions options, PodSandbox sandbox, Networking.ServiceDirectory? services)
    {
        if (!sandbox.Isolated || services is null || string.IsNullOrEmpty(sandbox.PodIp) || sandbox.PodIp == "127.0.0.1")
        {
            return null;
        }

        // Only without nftables are the pod's own container ports left out of its proxy: then the proxy listens on
        // ClusterIP:port, and that would make the containers' wildcard bind of the same port fail.
        var ownPorts = (Pod.Spec?.Containers ?? []).SelectMany(c => c.Ports ?? []).Select(p => p.ContainerPort).ToHashSet();
        var proxy = new Networking.PodServiceProxy(sandbox.HolderPid, Namespace, services, ownPorts);
        try
        {
            proxy.Start();
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException)
        {
            Console.Error.WriteLine($"yak-local-cluster: pod {Namespace}/{Name}: no cluster DNS or Service IPs ({ex.Message})");
            _ = proxy.DisposeAsync().AsTask();
            return null;
        }

        serviceProxy = proxy;
        if (Pod.Spec?.DnsPolicy is not (null or "ClusterFirst" or "ClusterFirstWithHostNet"))
        {
            return null;
        }

        var path = Path.Combine(options.StateDirectory, "pods", Uid, "resolv.conf");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var domain = Networking.ServiceDirectory.ClusterDomain;
        File.WriteAllText(path, $"search {Namespace}.svc.{domain} svc.{domain} {domain}\nnameserver {Networking.ServiceDirectory.DnsAddress}\noptions ndots:5\n");
        return path;
    }

    /// <summary>As on Kubernetes: spec.hostname, else the pod name (at most 63 characters).</summary>
    private string PodHostname()
    {
        var name = Pod.Spec?.Hostname is { Length: > 0 } hostname ? hostname : Name;
        return name.Length > 63 ? name[..63] : name;
    }

    /// <summary>As the kubelet writes it: localhost, the pod IP with the pod's hostname, then spec.hostAliases.</summary>
    private string? WriteHostsFile(PodRuntimeOptions options, PodSandbox sandbox)
    {
        if (!sandbox.Isolated)
        {
            return null;
        }

        var path = Path.Combine(options.StateDirectory, "pods", Uid, "etc-hosts");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var hosts = new System.Text.StringBuilder()
            .Append("# Kubernetes-managed hosts file (yak local cluster).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
            .Append(sandbox.PodIp).Append('\t').Append(PodHostname()).Append('\n');
        foreach (var alias in Pod.Spec?.HostAliases ?? [])
        {
            if (!string.IsNullOrEmpty(alias.Ip) && alias.Hostnames is { Count: > 0 } names)
            {
                hosts.Append(alias.Ip).Append('\t').AppendJoin('\t', names).Append('\n');
            }
        }

        File.WriteAllText(path, hosts.ToString());
        return path;
    }

    private Dictionary<string, string> PrepareVolumes(PodRuntimeOptions options, bool isolated)
    {
        var folders = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var volume in Pod.Spec?.Volumes ?? [])
        {
            var folder = volume.PersistentVolumeClaim is { } claim
                ? Path.Combine(options.StateDirectory, "volumes", Namespace, claim.ClaimName)
                : volume.HostPath is { } hostPath
                    ? hostPath.Path
                    : Path.Combine(options.StateDirectory, "pods", Uid, "volumes", volume.Name);
            Directory.CreateDirectory(folder);
            if (isolated && MemoryVolume.IsMemory(volume))
            {
                try
                {
                    MemoryVolume.Mount(volume, folder);
                    memoryMounts.Add(folder);
                }
                catch (IOException ex)
                {
                    Console.Error.WriteLine($"yak-local-cluster: pod {Namespace}/{Name}: {ex.Message}; the volume is a plain folder");
                }
            }

            if (volumeFiles.TryGetValue(volume.Name, out var files))
            {
                VolumeFiles.Write(folder, files);
            }

            folders[volume.Name] = folder;
        }

        return folders;
    }

    /// <summary>SIGTERM to every process, SIGKILL after the grace period, then the sandbox and the pod's folder go.</summary>
    internal async Task StopAsync(TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        lock (publishGate)
        {
            stopped = true;
        }

        // Each runner answers the cancellation with SIGTERM to its process (ContainerRunner.RunOnceAsync).
        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await lifetime.WaitAsync(gracePeriod, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            foreach (var process in runners.Concat(initRunners).Select(r => r.Process).OfType<LocalProcess>())
            {
                process.Signal(LinuxNative.SigKill);
            }
        }

        await lifetime.ConfigureAwait(false);
        if (serviceProxy is { } proxy)
        {
            // Its sockets hold the pod's network namespace: close them before the sandbox goes.
            await proxy.DisposeAsync().ConfigureAwait(false);
        }

        if (context is { } ctx)
        {
            await ctx.Sandbox.DisposeAsync().ConfigureAwait(false);
            foreach (var runner in runners.Concat(initRunners))
            {
                runner.CurrentLog?.Dispose();
            }

            foreach (var mounted in memoryMounts)
            {
                MemoryVolume.Unmount(mounted); // first: a tmpfs left mounted would keep the pod's folder (and the memory)
            }

            try
            {
                Directory.Delete(Path.Combine(ctx.Options.StateDirectory, "pods", Uid), recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private void Publish()
    {
        lock (publishGate)
        {
            if (stopped)
            {
                return;
            }

            publish(new PodStatusUpdate(Namespace, Name, Uid, BuildStatus()));
        }
    }

    private V1PodStatus BuildStatus()
    {
        var containers = runners.Select(r => r.Status()).ToList();
        var inits = initRunners.Select(r => r.Status()).ToList();
        string phase;
        if (initFailed)
        {
            phase = "Failed";
        }
        else if (runners.Count > 0 && runners.All(r => r.Finished))
        {
            phase = runners.All(r => r.FinalExitCode == 0) ? "Succeeded" : "Failed";
        }
        else if (initDone && runners.Count > 0 && runners.All(r => r.EverStarted))
        {
            phase = "Running";
        }
        else
        {
            phase = "Pending";
        }

        var ready = phase == "Running" && containers.All(c => c.Ready);
        var reason = phase is "Succeeded" or "Failed" ? "PodCompleted" : ready ? null : "ContainersNotReady";
        return new V1PodStatus
        {
            Phase = phase,
            HostIP = "127.0.0.1",
            HostIPs = [new V1HostIP { Ip = "127.0.0.1" }],
            PodIP = context?.Sandbox.PodIp,
            PodIPs = context is null ? null : [new V1PodIP { Ip = context.Sandbox.PodIp }],
            StartTime = startTime,
            QosClass = "BestEffort",
            Conditions =
            [
                Condition("PodScheduled", true, null),
                Condition("Initialized", initDone, initDone ? null : "ContainersNotInitialized"),
                Condition("ContainersReady", ready, reason),
                Condition("Ready", ready, reason),
            ],
            ContainerStatuses = containers,
            InitContainerStatuses = inits.Count > 0 ? inits : null,
        };
    }

    private V1PodCondition Condition(string type, bool value, string? reason)
    {
        var status = value ? "True" : "False";
        if (!lastConditions.TryGetValue(type, out var previous) || previous != status)
        {
            lastConditions[type] = status;
            transitions[type] = DateTime.UtcNow;
        }

        return new V1PodCondition { Type = type, Status = status, Reason = value ? null : reason, LastTransitionTime = transitions[type] };
    }
}
