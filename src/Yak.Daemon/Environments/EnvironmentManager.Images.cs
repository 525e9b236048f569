using System.Globalization;
using Yak.Daemon.Images;
using Yak.Daemon.Rpc;
using Yak.Environments.Spec;
using Yak.Protocol;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;

namespace Yak.Daemon.Environments;

/// <summary>The image half of <c>update</c>: which services roll, with which image, and what the answer says about each.</summary>
internal sealed partial class EnvironmentManager
{
    /// <summary>
    /// Asks the registry about each selected service's image and returns the record with the resulting pins (a new
    /// digest, or the nodes' pull with a restart when yakd could not ask) and what was decided per service.
    /// </summary>
    private async Task<(EnvironmentRecord Record, IReadOnlyList<ServiceImageInfo> Images)> FetchImagesAsync(
        EnvironmentRuntime runtime, EnvironmentRecord record, EnvironmentSpec spec, IReadOnlyList<string> requested, CancellationToken cancellationToken)
    {
        var selected = (requested.Count > 0 ? requested : spec.Services.Select(s => s.Name)).Distinct(StringComparer.Ordinal).ToList();
        IReadOnlyList<ImageDecision> decisions;
        try
        {
            decisions = await ImageUpdates.DecideAsync(
                runtime.Connection.Client,
                record.Namespace,
                [.. selected.Select(s => (s, spec[s]!.Image))],
                record.Images,
                info => hub.Publish(EventKinds.EnvImage, record.Name, info),
                cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new OperationFailedException(runtime.Connection.Unreachable(ex).Message, ex, YakErrors.ClusterUnreachable);
        }

        // Pins of images the spec no longer names are stale: the spec's new image runs as written.
        var pins = record.Images.Where(p => spec[p.Key]?.Image == p.Value.Declared).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var tokens = new Dictionary<string, string>(record.RestartTokens, StringComparer.Ordinal);
        var token = time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture);
        foreach (var decision in decisions)
        {
            var service = decision.Update.Service;
            if (decision.Pin is { } pin)
            {
                pins[service] = pin;
            }
            else
            {
                pins.Remove(service);
            }

            // A digest change rolls by itself (the template names the new digest); the nodes' pull needs a restart.
            if (decision.Update.Outcome == ImageStep.NodePull)
            {
                tokens[service] = token;
            }
        }

        return (record with { Images = pins, RestartTokens = tokens }, [.. decisions.Select(d => d.Update)]);
    }

    /// <summary>The image the new pods of each rolled service run, as their pod spec names it.</summary>
    private static Dictionary<string, string> RolledImages(IReadOnlyList<ServiceImageInfo> images, EnvironmentRecord record) =>
        images.Where(i => i.Rolled).ToDictionary(i => i.Service, i => record.Images.GetValueOrDefault(i.Service)?.Pinned ?? i.Image, StringComparer.Ordinal);

    private static List<ServiceImageInfo> WithTimes(IReadOnlyList<ServiceImageInfo> images, UpdateProgress progress) =>
        [.. images.Select(i =>
        {
            var (pull, rollout) = progress.Times(i.Service);
            return new ServiceImageInfo
            {
                Service = i.Service,
                Image = i.Image,
                Path = i.Path,
                Outcome = i.Outcome,
                Digest = i.Digest,
                Previous = i.Previous,
                Rolled = i.Rolled,
                Reason = i.Reason,
                ResolveSeconds = i.ResolveSeconds,
                PullSeconds = i.Rolled ? pull : null,
                RolloutSeconds = i.Rolled ? rollout : null,
            };
        })];
}
