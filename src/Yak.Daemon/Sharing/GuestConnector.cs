using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Yak.Daemon.Configuration;
using Yak.Daemon.Environments;
using Yak.Daemon.Rpc;
using Yak.Daemon.Telemetry;
using Yak.Environments.Naming;
using Yak.Kube;
using Yak.Kube.Environments;
using Yak.Kube.Kubeconfig;
using Yak.Kube.Sharing;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Daemon.Sharing;

/// <summary>
/// The guest's side of sharing: <c>connect OWNER/ENV</c> asks the cluster who this user is, reads the token the
/// owner's share left for exactly this user (with the guest's own identity, which may read that one Secret), writes a
/// private kubeconfig acting with it, checks the cluster accepts it, and records a guest environment that status,
/// logs, exec, shell, test and forwards resolve like an own one. Every later request goes out with the share's
/// token, so the cluster — not this yakd — decides what the guest may do and until when.
/// </summary>
internal sealed class GuestConnector(DaemonConfiguration configuration, GuestRegistry registry, ShareManager shares, Yak.Daemon.Sync.SyncSessionManager sync, TimeProvider time)
{
    private readonly GuestSync guestSync = new(sync);

    public const string SyncWarning = "--sync writes your local files into the owner's pods: the owner's running code changes for them too.";

    public async Task<ShareConnectResponse> ConnectAsync(ShareConnectRequest request, CancellationToken cancellationToken)
    {
        var owner = request.Owner.Trim();
        var environment = request.Environment.Trim();
        if (owner.Length == 0 || environment.Length == 0 || owner.Contains('/', StringComparison.Ordinal) || environment.Contains('/', StringComparison.Ordinal))
        {
            throw new InvalidArgumentException("Name the environment as OWNER/ENV (the owner's yak user and the environment's name, e.g. alice/shop).");
        }

        var name = $"{owner}/{environment}";
        using var wait = YakTelemetry.StartWait(WaitKinds.Connect, name, "yak.share.connect");
        try
        {
            var response = await ConnectCoreAsync(request, owner, environment, name, cancellationToken).ConfigureAwait(false);
            wait.End("ok");
            return response;
        }
        catch (OperationCanceledException)
        {
            wait.End("cancelled");
            throw;
        }
        catch (Exception)
        {
            wait.End("error");
            throw;
        }
    }

    /// <summary>The guest environment <paramref name="name"/> (<c>OWNER/ENV</c>), or null.</summary>
    public GuestRecord? Find(string name) => name.Contains('/', StringComparison.Ordinal) ? registry.Find(name) : null;

    /// <summary>
    /// Before an exec, attach or port-forward of a guest: asks the cluster (a SelfSubjectAccessReview with the share's
    /// token) whether the share allows it, and refuses with what the guest has and who can grant more.
    /// </summary>
    public async Task RequireAsync(GuestRecord guest, IKubernetes client, string subresource, string what, CancellationToken cancellationToken)
    {
        V1SelfSubjectAccessReview review;
        try
        {
            review = await client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
            {
                Spec = new V1SelfSubjectAccessReviewSpec { ResourceAttributes = new V1ResourceAttributes { NamespaceProperty = guest.Namespace, Verb = "create", Resource = "pods", Subresource = subresource } },
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw Ended(guest.Name, guest.Owner, guest.Environment, guest.Guest, "the cluster no longer accepts the share's token (it expired, or the owner unshared)");
        }

        if (review.Status?.Allowed != true)
        {
            throw new OperationFailedException(
                $"Your share of {guest.Name} is {guest.Access}{(guest.Secrets ? " + secrets" : string.Empty)}: it does not allow {what} (the cluster refuses create on pods/{subresource} in {guest.Namespace}). " +
                $"Only the owner, {guest.Owner}, can grant more: 'yakctl share {guest.Environment} --with {guest.Guest}'.",
                error: YakErrors.ShareForbids,
                fix: $"ask {guest.Owner} for full access ('yakctl share {guest.Environment} --with {guest.Guest}'), then 'yakctl connect {guest.Name}' again.");
        }
    }

    /// <summary>What a guest sees of the owner's environment: its workloads and pods, read with the share's token.</summary>
    public async Task<EnvironmentInfo> StatusAsync(GuestRecord guest, CancellationToken cancellationToken)
    {
        using var connection = EnvironmentPlacement.Connect(guest.Kubeconfig, GuestRecord.Context);
        try
        {
            return await StatusAsync(guest, connection.Client, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw Ended(guest.Name, guest.Owner, guest.Environment, guest.Guest, "the cluster no longer accepts the share's token (it expired, or the owner unshared)");
        }
    }

    /// <summary>
    /// Every guest environment, as plain <c>status</c> lists them beside the own ones: one the cluster no longer shares
    /// (or that does not answer) is listed in error with the reason, never failing the list.
    /// </summary>
    public async Task<IReadOnlyList<EnvironmentInfo>> StatusAllAsync(CancellationToken cancellationToken)
    {
        var result = new List<EnvironmentInfo>();
        foreach (var guest in registry.All())
        {
            try
            {
                result.Add(await StatusAsync(guest, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is DaemonException or HttpRequestException or HttpOperationException or IOException)
            {
                result.Add(new EnvironmentInfo
                {
                    Name = guest.Name,
                    Namespace = guest.Namespace,
                    SpecPath = string.Empty,
                    Cluster = guest.Cluster,
                    Server = guest.Server,
                    State = EnvironmentState.Error,
                    LastError = ex.Message,
                    LastErrorCode = (ex as DaemonException)?.Error.Code ?? YakErrors.ClusterUnreachable.Code,
                    UpdatedAt = guest.ConnectedAt,
                    Services = [],
                    Owner = guest.Owner,
                    Access = guest.Access,
                });
            }
        }

        return result;
    }

    private async Task<ShareConnectResponse> ConnectCoreAsync(ShareConnectRequest request, string owner, string environment, string name, CancellationToken cancellationToken)
    {
        var (kubeconfig, context, cluster) = OwnCluster(request);
        using var own = EnvironmentPlacement.Connect(kubeconfig, context);
        var ns = KubeNames.Namespace(owner, environment);
        string user;
        GuestCredential credential;
        try
        {
            var review = await own.Client.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview(), cancellationToken: cancellationToken).ConfigureAwait(false);
            user = review.Status?.UserInfo?.Username ?? throw new OperationFailedException("The cluster did not say who you are (SelfSubjectReview has no user).", error: YakErrors.ClusterRefused);
            credential = await ShareGrants.ReadAsGuestAsync(own.Client, ns, ShareManager.GuestKey(user), cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
        {
            throw Ended(name, owner, environment, null, $"the cluster has no share of it for you ({ShareManager.StatusMessage(ex)})");
        }
        catch (HttpRequestException ex)
        {
            throw new OperationFailedException(own.Unreachable(ex).Message, ex, YakErrors.ClusterUnreachable);
        }

        var path = WriteKubeconfig(name, kubeconfig, context, own.Server, credential.Token);
        var grant = credential.Grant;
        var record = new GuestRecord
        {
            Name = name,
            Owner = owner,
            Environment = environment,
            Namespace = ns,
            Guest = user,
            Cluster = cluster.Length > 0 ? cluster : own.Context,
            Server = own.Server,
            Kubeconfig = path,
            Access = ShareAccess.WireName(grant.Level),
            Secrets = grant.Secrets,
            ExpiresAt = grant.ExpiresAt,
            Sync = request.Sync,
            ConnectedAt = time.GetUtcNow(),
        };

        // The cluster's word on the token (expired, revoked) before anything is recorded.
        var status = await StatusAsync(record, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string> sessions = [];
        if (request.Sync)
        {
            // Sync runs the agent in the owner's pods through exec: asked of the cluster first, as a guest's exec is.
            using (var shared = EnvironmentPlacement.Connect(record.Kubeconfig, GuestRecord.Context))
            {
                await RequireAsync(record, shared.Client, "exec", "sync (yak runs its agent in the pods through exec)", cancellationToken).ConfigureAwait(false);
            }

            sessions = await guestSync.StartAsync(record, request.SpecPath, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await guestSync.StopAsync(name, [], cancellationToken).ConfigureAwait(false);
        }

        registry.Put(record);
        return new ShareConnectResponse
        {
            Name = name,
            Share = shares.Info(grant with { Guest = user }),
            Environment = [status],
            Warnings = request.Sync ? [SyncWarning] : [],
            SyncSessions = sessions,
        };
    }

    private static async Task<EnvironmentInfo> StatusAsync(GuestRecord guest, IKubernetes client, CancellationToken cancellationToken)
    {
        var deployments = await client.AppsV1.ListNamespacedDeploymentAsync(guest.Namespace, labelSelector: KubeNames.ServiceLabel, cancellationToken: cancellationToken).ConfigureAwait(false);
        var statefulSets = await client.AppsV1.ListNamespacedStatefulSetAsync(guest.Namespace, labelSelector: KubeNames.ServiceLabel, cancellationToken: cancellationToken).ConfigureAwait(false);
        var workloads = deployments.Items.Select(d => Workload(guest, WorkloadType.Deployment, d.Metadata))
            .Concat(statefulSets.Items.Select(s => Workload(guest, WorkloadType.StatefulSet, s.Metadata)))
            .OrderBy(w => w.Service, StringComparer.Ordinal)
            .ToList();
        var rollouts = await RolloutWatcher.SnapshotAsync(client, workloads, explain: false, cancellationToken).ConfigureAwait(false);
        var services = rollouts.Select(r => new EnvironmentServiceInfo
        {
            Name = r.Service,
            Kind = workloads.First(w => w.Service == r.Service).Kind.ToString(),
            Selector = $"{KubeNames.ServiceLabel}={r.Service}",
            State = EnvironmentStatus.ServiceStateOf(r.State),
            ReadyReplicas = r.Ready,
            DesiredReplicas = r.Desired,
            Message = r.Message,
            Code = ClusterErrorCodes.For(r.Reason)?.Code,
            Pods = [.. r.Pods.Select(p => new EnvironmentPodInfo { Name = p.Name, Phase = p.Terminating ? "Terminating" : p.Phase, Ready = p.Ready, Restarts = p.Restarts, Reason = p.Reason })],
            Syncs = [],
            Ports = [],
            Debug = null,
        }).ToList();
        var state = services.Count > 0 && services.All(s => s.State is ServiceState.Ready or ServiceState.ScaledDown)
            ? EnvironmentState.Up
            : services.Any(s => s.State == ServiceState.Stuck) ? EnvironmentState.Degraded : EnvironmentState.Deploying;
        return new EnvironmentInfo
        {
            Name = guest.Name,
            Namespace = guest.Namespace,
            SpecPath = string.Empty,
            Cluster = guest.Cluster,
            Server = guest.Server,
            State = state,
            LastError = null,
            LastErrorCode = null,
            UpdatedAt = guest.ConnectedAt,
            Services = services,
            Owner = guest.Owner,
            Access = guest.Access,
        };
    }

    private static WorkloadRef Workload(GuestRecord guest, WorkloadType kind, V1ObjectMeta meta)
    {
        var service = meta.Labels?.TryGetValue(KubeNames.ServiceLabel, out var value) == true ? value : meta.Name;
        return new WorkloadRef(service, kind, guest.Namespace, meta.Name, $"{KubeNames.ServiceLabel}={service}", service);
    }

    /// <summary>The guest's own cluster: the request's kubeconfig, else the first configured cluster, else KUBECONFIG / ~/.kube/config.</summary>
    private (string Kubeconfig, string Context, string Cluster) OwnCluster(ShareConnectRequest request)
    {
        if (request.Kubeconfig.Length > 0)
        {
            return (KubeconfigLoader.FullPaths(request.Kubeconfig), request.Context, request.Context);
        }

        var configured = configuration.Current.Clusters.FirstOrDefault();
        return configured is null
            ? (string.Empty, request.Context, request.Context)
            : (configured.Kubeconfig ?? string.Empty, configured.Context ?? string.Empty, configured.Name);
    }

    /// <summary>A kubeconfig for the share's token: the guest's cluster entry (server, CA) and nothing of the guest's own credentials.</summary>
    private string WriteKubeconfig(string name, string kubeconfig, string context, string server, string token)
    {
        var source = KubeClientFactory.Configuration(new KubeTarget(kubeconfig, context));
        (source.TokenProvider as IDisposable)?.Dispose();
        var yaml = new StringBuilder();
        yaml.Append("apiVersion: v1\nkind: Config\nclusters:\n- name: ").Append(GuestRecord.Context).Append("\n  cluster:\n    server: \"").Append(server).Append("\"\n");
        if (source.SslCaCerts is { Count: > 0 } cas)
        {
            var pem = string.Concat(cas.Select(c => c.ExportCertificatePem() + "\n"));
            yaml.Append("    certificate-authority-data: ").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(pem))).Append('\n');
        }
        else if (source.SkipTlsVerify)
        {
            yaml.Append("    insecure-skip-tls-verify: true\n");
        }

        yaml.Append("users:\n- name: ").Append(GuestRecord.Context).Append("\n  user:\n    token: \"").Append(token).Append("\"\n");
        yaml.Append("contexts:\n- name: ").Append(GuestRecord.Context).Append("\n  context:\n    cluster: ").Append(GuestRecord.Context)
            .Append("\n    user: ").Append(GuestRecord.Context).Append("\ncurrent-context: ").Append(GuestRecord.Context).Append('\n');
        PrivateFiles.CreateDirectory(registry.Root);
        // One file per token: connections are cached per kubeconfig path, so a new token (a new share) gets a new path.
        var tokenHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(token)))[..12];
        var path = Path.Combine(registry.Root, $"{KubeNames.Label(name.Replace('/', '-'), 40)}-{tokenHash}.kubeconfig");
        PrivateFiles.WriteAtomic(path, yaml.ToString());
        if (registry.Find(name)?.Kubeconfig is { } previous && previous != path)
        {
            File.Delete(previous);
        }

        return path;
    }

    private static OperationFailedException Ended(string name, string owner, string environment, string? user, string why) => new(
        $"No share of {name} is open to you{(user is null ? string.Empty : $" ({user})")}: {why}.",
        error: YakErrors.ShareEnded,
        fix: $"ask {owner} to run 'yakctl share {environment} --with {user ?? "YOUR-USER"}' ('kubectl auth whoami' shows your user), then 'yakctl connect {name}' again.");
}
