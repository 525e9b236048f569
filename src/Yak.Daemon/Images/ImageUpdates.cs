using System.Diagnostics;
using k8s;
using k8s.Autorest;
using Yak.Environments.Manifests;
using Yak.Environments.Naming;
using Yak.Environments.Spec;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Images;

/// <summary>
/// The image half of <c>yakctl update</c>: asks the registry what each service's tag names now (with the namespace's
/// pull secrets), compares it with what the service runs, and decides who rolls (see <see cref="ImageUpdatePlan"/>).
/// Each service's steps are reported as they happen.
/// </summary>
internal static class ImageUpdates
{
    /// <summary>A registry that has not answered in this time is taken as unreachable from this machine.</summary>
    public static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(10);

    private const int MaxParallel = 8;

    public static async Task<IReadOnlyList<ImageDecision>> DecideAsync(
        IKubernetes client,
        string ns,
        IReadOnlyList<(string Service, string Image)> services,
        IReadOnlyDictionary<string, ImagePin> pins,
        Action<EnvImageInfo> report,
        CancellationToken cancellationToken)
    {
        foreach (var (service, image) in services)
        {
            report(new EnvImageInfo { Service = service, Step = ImageStep.Resolving, Image = image, Digest = null, Message = null });
        }

        var logins = await PullSecretLogins.ReadAsync(client, ns, cancellationToken).ConfigureAwait(false);
        var running = await RunningDigestsAsync(client, ns, cancellationToken).ConfigureAwait(false);
        using var registry = new RegistryDigests(ResolveTimeout);
        using var parallel = new SemaphoreSlim(MaxParallel);
        var decisions = await Task.WhenAll(services.Select(async s =>
        {
            await parallel.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var lookup = await LookUpAsync(registry, s.Service, s.Image, logins, cancellationToken).ConfigureAwait(false);
                var decision = ImageUpdatePlan.Decide(lookup, pins.GetValueOrDefault(s.Service), running.GetValueOrDefault(s.Service));
                var update = decision.Update;
                report(new EnvImageInfo { Service = s.Service, Step = update.Outcome, Image = s.Image, Digest = update.Digest, Message = update.Outcome == ImageStep.Changed ? null : update.Reason });
                return decision;
            }
            finally
            {
                parallel.Release();
            }
        })).ConfigureAwait(false);
        return decisions;
    }

    /// <summary>The pins that still apply to <paramref name="spec"/>, as the manifests take them.</summary>
    public static IReadOnlyDictionary<string, ServiceImage> ForManifests(IReadOnlyDictionary<string, ImagePin>? pins, EnvironmentSpec spec)
    {
        var result = new Dictionary<string, ServiceImage>(StringComparer.Ordinal);
        foreach (var (service, pin) in pins ?? new Dictionary<string, ImagePin>())
        {
            if (spec[service] is { } declared && declared.Image == pin.Declared)
            {
                result[service] = new ServiceImage(pin.Pinned ?? pin.Declared, AlwaysPull: pin.Pinned is null);
            }
        }

        return result;
    }

    private static async Task<ImageLookup> LookUpAsync(RegistryDigests registry, string service, string image, IReadOnlyDictionary<string, RegistryLogin> logins, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var name = ImageName.Parse(image, out var error);
        if (name is null)
        {
            return new ImageLookup(service, image, null, new ImageResolveException(ResolveFailure.Unreachable, $"yakd cannot read '{image}' as an image reference ({error})"), clock.Elapsed);
        }

        try
        {
            var digest = await registry.ResolveAsync(name, logins.GetValueOrDefault(name.Registry), cancellationToken).ConfigureAwait(false);
            return new ImageLookup(service, image, digest, null, clock.Elapsed);
        }
        catch (ImageResolveException ex)
        {
            return new ImageLookup(service, image, null, ex, clock.Elapsed);
        }
    }

    /// <summary>
    /// Per service, the digest its app container runs (from the pods' <c>imageID</c>), when every live pod runs the same
    /// one; a service whose pods disagree (mid-rollout) or report none is absent.
    /// </summary>
    private static async Task<Dictionary<string, string>> RunningDigestsAsync(IKubernetes client, string ns, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var pods = await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: KubeNames.ServiceLabel, cancellationToken: cancellationToken).ConfigureAwait(false);
            var byService = pods.Items
                .Where(p => p.Metadata.DeletionTimestamp is null && p.Metadata.Labels is { } labels && labels.ContainsKey(KubeNames.ServiceLabel))
                .GroupBy(p => p.Metadata.Labels[KubeNames.ServiceLabel], StringComparer.Ordinal);
            foreach (var group in byService)
            {
                var digests = group
                    .Select(p => ImageUpdatePlan.DigestOf(p.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == group.Key)?.ImageID))
                    .Distinct(StringComparer.Ordinal)
                    .ToList();
                if (digests is [{ } only])
                {
                    result[group.Key] = only;
                }
            }
        }
        catch (HttpOperationException)
        {
            // Without the pods' word, a pin (if any) is the reference; else the service rolls to the digest.
        }

        return result;
    }
}
