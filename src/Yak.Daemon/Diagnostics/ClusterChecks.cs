using System.Globalization;
using k8s;
using k8s.Models;
using Yak.Daemon.Environments;
using Yak.Daemon.Sync.Agent;
using Yak.Kube;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Diagnostics;

/// <summary>A cluster doctor looks at: its name, where its kubeconfig is, and the namespace yak works in there.</summary>
internal sealed record ClusterTarget(string Name, string Kubeconfig, string Context, string Namespace, bool Local);

/// <summary>
/// Per cluster, within a deadline: the API server answers (and for the local cluster /readyz says ok), the clocks
/// agree (its Date header), yak's user may do what yak needs (SelfSubjectAccessReview), and an agent exists for
/// its nodes' architectures.
/// </summary>
internal static class ClusterChecks
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan SkewWarning = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan SkewFailure = TimeSpan.FromSeconds(60);

    /// <summary>What yak does in a cluster: (group, resource, subresource, verb, namespaced).</summary>
    private static readonly (string Group, string Resource, string Subresource, string Verb, bool Namespaced)[] Needed =
    [
        (string.Empty, "namespaces", string.Empty, "create", false),
        ("apps", "deployments", string.Empty, "patch", true),
        ("apps", "statefulsets", string.Empty, "patch", true),
        (string.Empty, "services", string.Empty, "patch", true),
        (string.Empty, "persistentvolumeclaims", string.Empty, "create", true),
        (string.Empty, "pods", string.Empty, "list", true),
        (string.Empty, "pods", "log", "get", true),
        (string.Empty, "pods", "exec", "create", true),
        (string.Empty, "pods", "portforward", "create", true),
    ];

    public static async Task<IReadOnlyList<DoctorCheckInfo>> RunAsync(ClusterTarget target, ClusterConfig config, AgentBuilds agents, TimeProvider time, CancellationToken cancellationToken)
    {
        var prefix = $"cluster {target.Name}";
        KubeConnection connection;
        try
        {
            connection = KubeClientFactory.Create(new KubeTarget(target.Kubeconfig, target.Context));
        }
        catch (KubeConnectionException ex)
        {
            return [Checks.Fail($"{prefix}: reachable", ex.Message, target.Local ? YakErrors.LocalClusterUnhealthy : YakErrors.ClusterUnreachable)];
        }

        using (connection)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(Deadline);
            var results = new List<DoctorCheckInfo>();
            DateTimeOffset? serverTime;
            try
            {
                using var version = await connection.Client.Version.GetCodeWithHttpMessagesAsync(cancellationToken: deadline.Token).ConfigureAwait(false);
                serverTime = version.Response.Headers.Date;
                results.Add(Checks.Pass($"{prefix}: reachable", $"{connection.Server} answers (Kubernetes {version.Body.GitVersion})"));
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or k8s.Autorest.HttpOperationException or IOException)
            {
                var why = ex is OperationCanceledException && !cancellationToken.IsCancellationRequested
                    ? $"no answer within {Deadline.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s"
                    : KubeErrors.Describe(ex);
                results.Add(Checks.Fail(
                    $"{prefix}: reachable",
                    $"{connection.Server} (context '{connection.Context}') does not answer: {why}",
                    target.Local ? YakErrors.LocalClusterUnhealthy : YakErrors.ClusterUnreachable));
                return results;
            }

            if (target.Local)
            {
                results.Add(await ReadyAsync(prefix, connection, deadline.Token).ConfigureAwait(false));
            }

            results.Add(Skew(prefix, serverTime, time.GetUtcNow()));
            results.Add(await PermissionsAsync(prefix, connection.Client, target.Namespace, deadline.Token).ConfigureAwait(false));
            results.Add(await AgentAsync(prefix, connection.Client, config.AgentFor(target.Name), agents, deadline.Token).ConfigureAwait(false));
            return results;
        }
    }

    public static DoctorCheckInfo Skew(string prefix, DateTimeOffset? serverTime, DateTimeOffset now)
    {
        var name = $"{prefix}: clock";
        if (serverTime is not { } server)
        {
            return Checks.Pass(name, "the API server sent no Date header to compare with");
        }

        // The header has whole seconds: less than a second off is no skew.
        var skew = now - server;
        var said = $"this machine is {Math.Abs(skew.TotalSeconds).ToString("0", CultureInfo.InvariantCulture)} s {(skew >= TimeSpan.Zero ? "ahead of" : "behind")} the API server";
        var size = skew.Duration();
        return size > SkewFailure ? Checks.Fail(name, said, YakErrors.ClockSkew)
            : size > SkewWarning ? Checks.Warn(name, said, YakErrors.ClockSkew)
            : Checks.Pass(name, size < TimeSpan.FromSeconds(2) ? "in step with the API server" : said);
    }

    private static async Task<DoctorCheckInfo> ReadyAsync(string prefix, KubeConnection connection, CancellationToken cancellationToken)
    {
        var name = $"{prefix}: ready";
        if (connection.Client is not Kubernetes client)
        {
            return Checks.Pass(name, "not checked");
        }

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(client.BaseUri, "readyz"));
            if (client.Credentials is { } credentials)
            {
                // The local cluster checks its token on every path, /readyz included.
                await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
            }

            using var response = await client.HttpClient.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
            return response.IsSuccessStatusCode
                ? Checks.Pass(name, $"/readyz says {(body.Length is > 0 and <= 40 ? body : "ok")}")
                : Checks.Fail(name, $"/readyz answers {(int)response.StatusCode}: {(body.Length <= 200 ? body : body[..200])}", YakErrors.LocalClusterUnhealthy);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return Checks.Fail(name, $"/readyz does not answer: {ex.Message}", YakErrors.LocalClusterUnhealthy);
        }
    }

    private static async Task<DoctorCheckInfo> PermissionsAsync(string prefix, IKubernetes client, string ns, CancellationToken cancellationToken)
    {
        var name = $"{prefix}: permissions";
        var denied = new List<string>();
        try
        {
            foreach (var (group, resource, subresource, verb, namespaced) in Needed)
            {
                var review = await client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(
                    new V1SelfSubjectAccessReview
                    {
                        Spec = new V1SelfSubjectAccessReviewSpec
                        {
                            ResourceAttributes = new V1ResourceAttributes
                            {
                                Group = group,
                                Resource = resource,
                                Subresource = subresource.Length > 0 ? subresource : null,
                                Verb = verb,
                                NamespaceProperty = namespaced ? ns : null,
                            },
                        },
                    },
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                if (review.Status?.Allowed != true)
                {
                    var what = $"{verb} {(group.Length > 0 ? group + "/" : string.Empty)}{resource}{(subresource.Length > 0 ? "/" + subresource : string.Empty)}";
                    denied.Add(namespaced ? $"{what} in {ns}" : what);
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or k8s.Autorest.HttpOperationException)
        {
            return Checks.Warn(name, $"cannot ask the API server (SelfSubjectAccessReview): {KubeErrors.Describe(ex)}", YakErrors.Forbidden);
        }

        return denied.Count == 0
            ? Checks.Pass(name, $"may do all {Needed.Length.ToString(CultureInfo.InvariantCulture)} things yak needs in {ns}")
            : Checks.Fail(name, $"may not: {string.Join("; ", denied)}", YakErrors.Forbidden, $"ask the cluster's admin for a Role that allows: {string.Join("; ", denied)}.");
    }

    private static async Task<DoctorCheckInfo> AgentAsync(string prefix, IKubernetes client, AgentConfig agent, AgentBuilds builds, CancellationToken cancellationToken)
    {
        var name = $"{prefix}: sync agent";
        if (agent.Image is { Length: > 0 } image)
        {
            return Checks.Pass(name, $"the prebuilt agent image {image} (config.yaml) runs as the sidecar");
        }

        IReadOnlyList<string> platforms;
        try
        {
            var nodes = await client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            platforms = [.. nodes.Items.Select(Platform).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or k8s.Autorest.HttpOperationException)
        {
            return Checks.Warn(name, $"cannot list the nodes to learn their architectures: {KubeErrors.Describe(ex)}", YakErrors.AgentUnavailable);
        }

        if (platforms.Count == 0)
        {
            return Checks.Warn(name, "no node says its architecture", YakErrors.AgentUnavailable);
        }

        var missing = platforms.Where(p => builds.Find(p) is null).ToList();
        return missing.Count == 0
            ? Checks.Pass(name, $"an agent for {string.Join(", ", platforms)} is in {builds.Directory}")
            : Checks.Fail(name, $"no agent for {string.Join(", ", missing)} in {builds.Directory} (have: {(builds.Platforms.Count == 0 ? "none" : string.Join(", ", builds.Platforms))})", YakErrors.AgentUnavailable);
    }

    private static string? Platform(V1Node node)
    {
        IDictionary<string, string> labels = node.Metadata.Labels ?? new Dictionary<string, string>();
        var os = node.Status?.NodeInfo?.OperatingSystem ?? (labels.TryGetValue("kubernetes.io/os", out var o) ? o : null);
        var arch = node.Status?.NodeInfo?.Architecture ?? (labels.TryGetValue("kubernetes.io/arch", out var a) ? a : null);
        return os is { Length: > 0 } && arch is { Length: > 0 } ? AgentBuilds.Platform(os, arch) : null;
    }
}
