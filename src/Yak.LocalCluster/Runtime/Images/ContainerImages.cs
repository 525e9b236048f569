using System.Diagnostics;
using System.Globalization;
using k8s.Models;

namespace Yak.LocalCluster.Runtime.Images;

/// <summary>
/// Decides what a container runs, as the kubelet's image manager does: an image in a registry is pulled (honouring
/// <c>imagePullPolicy</c>, Kubernetes' default <c>Always</c> for <c>:latest</c> or no tag, else <c>IfNotPresent</c>),
/// with the kubelet's events (<c>Pulling</c>, <c>Pulled</c>, <c>Failed</c>, <c>BackOff</c>) and waiting reasons
/// (<c>ErrImagePull</c>, then <c>ImagePullBackOff</c> with a doubling back-off, <c>ErrImageNeverPull</c>,
/// <c>InvalidImageName</c>). Names the host-tool table knows (busybox, python …) keep running the host's tools
/// unless they name a registry; if that registry cannot serve them the table entry is used.
/// </summary>
public sealed class ContainerImages(ImageTable table, ImageStore store, IImagePullSecrets? pullSecrets = null)
{
    public ImageTable Table { get; } = table;

    public ImageStore Store { get; } = store;

    /// <summary>The image to run, or null when <paramref name="stopping"/> ends the wait (the pod is going away).</summary>
    internal async Task<ImageEntry?> ResolveAsync(PodContext pod, V1Container spec, Action<V1ContainerStateWaiting> wait, CancellationToken stopping)
    {
        var text = spec.Image ?? string.Empty;
        var known = Table.Resolve(text);
        if (!ImageReference.TryParse(text, out var reference, out var error))
        {
            if (known is not null)
            {
                return known;
            }

            pod.Report("Warning", "InspectFailed", $"Failed to apply default image tag \"{text}\": couldn't parse image name \"{text}\": invalid reference format");
            pod.Report("Warning", "Failed", "Error: InvalidImageName");
            wait(new V1ContainerStateWaiting { Reason = "InvalidImageName", Message = $"Failed to apply default image tag \"{text}\": couldn't parse image name \"{text}\": {error}" });
            return await WaitForeverAsync(stopping).ConfigureAwait(false);
        }

        if (known is not null && !reference.ExplicitRegistry)
        {
            return known;
        }

        var policy = spec.ImagePullPolicy is "Always" or "IfNotPresent" or "Never" ? spec.ImagePullPolicy : reference.DefaultPullPolicy;
        var local = Store.FindLocal(reference);
        if (policy == "Never" || (policy == "IfNotPresent" && local is not null))
        {
            if (local is not null)
            {
                pod.Report("Normal", "Pulled", $"Container image \"{text}\" already present on machine");
                return Entry(local);
            }

            if (known is not null)
            {
                return known;
            }

            var message = $"Container image \"{text}\" is not present with pull policy of Never";
            pod.Report("Warning", "ErrImageNeverPull", message);
            wait(new V1ContainerStateWaiting { Reason = "ErrImageNeverPull", Message = message });
            return await WaitForeverAsync(stopping).ConfigureAwait(false);
        }

        for (var failures = 0; !stopping.IsCancellationRequested; failures++)
        {
            pod.Report("Normal", "Pulling", $"Pulling image \"{text}\"");
            var clock = Stopwatch.StartNew();
            try
            {
                var login = DockerConfigLogins.Find(pullSecrets, pod.Namespace, (pod.Pod.Spec?.ImagePullSecrets ?? []).Select(s => s.Name).OfType<string>(), reference.Registry);
                var pulled = await Store.PullAsync(reference, login, stopping).ConfigureAwait(false);
                var took = GoDuration(clock.Elapsed);
                pod.Report("Normal", "Pulled", $"Successfully pulled image \"{text}\" in {took} ({took} including waiting). Image size: {pulled.Size.ToString(CultureInfo.InvariantCulture)} bytes.");
                return Entry(pulled);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return null;
            }
            catch (ImagePullException ex)
            {
                if (known is not null)
                {
                    return known;
                }

                var delay = ContainerRunner.BackoffDelay(pod.Options.RestartBackoffBase, pod.Options.RestartBackoffMax, failures);
                var reason = $"failed to pull and unpack image \"{reference}\": {ex.Message}";
                pod.Report("Warning", "Failed", $"Failed to pull image \"{text}\": {reason}");
                pod.Report("Warning", "Failed", "Error: ErrImagePull");
                wait(new V1ContainerStateWaiting { Reason = "ErrImagePull", Message = reason });

                // The kubelet shows ErrImagePull until its next sync, then ImagePullBackOff for the rest of the delay.
                var shown = TimeSpan.FromTicks(Math.Min(delay.Ticks / 2, TimeSpan.FromSeconds(1).Ticks));
                if (!await DelayAsync(shown, stopping).ConfigureAwait(false))
                {
                    return null;
                }

                pod.Report("Normal", "BackOff", $"Back-off pulling image \"{text}\"");
                pod.Report("Warning", "Failed", "Error: ImagePullBackOff");
                wait(new V1ContainerStateWaiting { Reason = "ImagePullBackOff", Message = $"Back-off pulling image \"{text}\": ErrImagePull: {reason}" });
                if (!await DelayAsync(delay - shown, stopping).ConfigureAwait(false))
                {
                    return null;
                }
            }
        }

        return null;
    }

    private static ImageEntry Entry(PulledImage image)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in image.Config.Env)
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                env[item[..eq]] = item[(eq + 1)..];
            }
        }

        return new ImageEntry(image.Reference, image.Config.Cmd, [], env)
        {
            Entrypoint = image.Config.Entrypoint,
            RootFs = image.RootFs,
            WorkingDir = image.Config.WorkingDir,
            User = image.Config.User,
            ImageId = image.ImageId,
            Reference = image.Reference,
        };
    }

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, stopping).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<ImageEntry?> WaitForeverAsync(CancellationToken stopping)
    {
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The pod is going away.
        }

        return null;
    }

    /// <summary>A duration as Go's <c>time.Duration</c> prints it (the kubelet's event texts use it): 1.5s, 820.5ms, 2m3.1s.</summary>
    internal static string GoDuration(TimeSpan span)
    {
        static string Trim(double value, string unit) => value.ToString("0.#########", CultureInfo.InvariantCulture) + unit;
        if (span.TotalSeconds >= 60)
        {
            var minutes = (int)span.TotalMinutes;
            return minutes.ToString(CultureInfo.InvariantCulture) + "m" + Trim(span.TotalSeconds - (minutes * 60), "s");
        }

        return span.TotalSeconds >= 1 ? Trim(span.TotalSeconds, "s") : span.TotalMilliseconds >= 1 ? Trim(span.TotalMilliseconds, "ms") : Trim(span.TotalMicroseconds, "µs");
    }
}
