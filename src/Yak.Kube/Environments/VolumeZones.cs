using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Yak.Kube.Environments;

/// <summary>
/// Where the disks of a namespace's volume claims live: each bound claim's PersistentVolume carries its zone in
/// <c>spec.nodeAffinity</c> (<c>topology.kubernetes.io/zone In [zone]</c>) or, on older volumes, in its labels. Pods
/// using the claim can only run in that zone, so a workload's later pods must be placed there.
/// </summary>
public static class VolumeZones
{
    private static readonly string[] ZoneKeys = ["topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"];

    /// <summary>
    /// Per value of <paramref name="groupLabel"/> on the claims (e.g. the service), the one zone its bound volumes are
    /// in; a group whose volumes span zones, or have none, is absent. Null when the volumes may not be read (PersistentVolumes
    /// are cluster-scoped: a developer's role may not cover them).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>?> ReadAsync(IKubernetes client, string ns, string groupLabel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var zones = new Dictionary<string, HashSet<string?>>(StringComparer.Ordinal);
        try
        {
            var claims = await client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns, labelSelector: groupLabel, limit: 500, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var claim in claims.Items)
            {
                if (claim.Metadata.Labels?.TryGetValue(groupLabel, out var group) != true || group is null || string.IsNullOrEmpty(claim.Spec?.VolumeName))
                {
                    continue;
                }

                var volume = await client.CoreV1.ReadPersistentVolumeAsync(claim.Spec.VolumeName, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (!zones.TryGetValue(group, out var set))
                {
                    zones[group] = set = [];
                }

                set.Add(ZoneOf(volume));
            }
        }
        catch (HttpOperationException ex) when ((int)ex.Response.StatusCode is 403)
        {
            return null;
        }

        return zones.Where(z => z.Value.Count == 1 && z.Value.Single() is not null).ToDictionary(z => z.Key, z => z.Value.Single()!, StringComparer.Ordinal);
    }

    /// <summary>The zone a PersistentVolume is in, from its required node affinity, else its labels; null when it says none.</summary>
    public static string? ZoneOf(V1PersistentVolume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var fromAffinity = (volume.Spec?.NodeAffinity?.Required?.NodeSelectorTerms ?? [])
            .SelectMany(t => t.MatchExpressions ?? [])
            .Where(e => ZoneKeys.Contains(e.Key, StringComparer.Ordinal) && e.OperatorProperty == "In" && e.Values is { Count: 1 })
            .Select(e => e.Values[0])
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (fromAffinity.Count == 1)
        {
            return fromAffinity[0];
        }

        var labels = volume.Metadata?.Labels;
        return ZoneKeys.Select(k => labels is not null && labels.TryGetValue(k, out var z) ? z : null).FirstOrDefault(z => !string.IsNullOrEmpty(z));
    }
}
