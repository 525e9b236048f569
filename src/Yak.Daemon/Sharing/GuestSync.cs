using Yak.Daemon.Rpc;
using Yak.Daemon.Sync;
using Yak.Environments;
using Yak.Environments.Manifests;
using Yak.Environments.Naming;
using Yak.Environments.Spec;
using Yak.Protocol.Errors;

namespace Yak.Daemon.Sharing;

/// <summary>
/// A guest's sync into the owner's pods (<c>connect OWNER/ENV --sync</c>): the guest's checkout of the environment's
/// spec names the mappings, and each becomes a session that follows the service's pods by label and runs the agent
/// in their sync sidecar with the share's token — so the cluster, not this yakd, decides whether the guest may
/// (<c>pods/exec</c>). A connect without <c>--sync</c> ends the guest's sessions.
/// </summary>
internal sealed class GuestSync(SyncSessionManager sync)
{
    /// <summary>Starts (or restarts) a session per sync mapping of the spec at <paramref name="specPath"/>; returns their names.</summary>
    public async Task<IReadOnlyList<string>> StartAsync(GuestRecord guest, string specPath, CancellationToken cancellationToken)
    {
        var spec = LoadSpec(guest, specPath);
        var manifests = ManifestBuilder.Build(spec, new ManifestOptions { Owner = guest.Owner, Namespace = guest.Namespace });
        var sessions = new List<string>();
        foreach (var service in manifests.Services.Where(s => s.SyncContainer is not null))
        {
            for (var i = 0; i < service.Syncs.Count; i++)
            {
                var mapping = service.Syncs[i];
                var name = SessionName(guest.Name, service.Name, i);
                await sync.TerminateIfExistsAsync(name, cancellationToken).ConfigureAwait(false);
                await sync.CreateAsync(
                    new SyncSessionSpec(
                        name,
                        mapping.LocalPath,
                        new SelectorSyncEndpoint(guest.Namespace, $"{KubeNames.ServiceLabel}={service.Name}", service.SyncContainer!, mapping.AgentRoot),
                        mapping.Excludes,
                        guest.Kubeconfig,
                        GuestRecord.Context),
                    cancellationToken).ConfigureAwait(false);
                sessions.Add(name);
            }
        }

        if (sessions.Count == 0)
        {
            throw new InvalidArgumentException($"{spec.SourceFile} has no sync mappings: --sync has nothing to sync into {guest.Name}.", YakErrors.SpecInvalid);
        }

        await StopAsync(guest.Name, sessions, cancellationToken).ConfigureAwait(false);
        return sessions;
    }

    /// <summary>Ends the sessions of guest environment <paramref name="guest"/>, but those named in <paramref name="keep"/>.</summary>
    public async Task StopAsync(string guest, IReadOnlyCollection<string> keep, CancellationToken cancellationToken)
    {
        var prefix = Prefix(guest);
        foreach (var session in sync.Status(string.Empty).Select(s => s.Name).Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && !keep.Contains(n)))
        {
            await sync.TerminateIfExistsAsync(session, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The guest's checkout of the spec: it must be the shared environment's (its name), or the mappings would be another's.</summary>
    private static EnvironmentSpec LoadSpec(GuestRecord guest, string specPath)
    {
        if (specPath.Length == 0 || !Path.IsPathRooted(specPath))
        {
            throw new InvalidArgumentException(
                $"--sync needs your checkout of {guest.Name}'s spec for its sync mappings (got '{specPath}').",
                fix: $"run 'yakctl connect {guest.Name} --sync' in the folder of the environment's yak.yaml, or pass it with -f.");
        }

        var result = EnvironmentSpecLoader.Load(specPath);
        if (!result.Success)
        {
            throw new InvalidArgumentException(string.Join("\n", result.Errors.Select(e => e.ToString())), YakErrors.SpecInvalid);
        }

        var spec = result.Spec!;
        if (spec.Name != guest.Environment)
        {
            throw new InvalidArgumentException(
                $"{spec.SourceFile} describes environment '{spec.Name}', not '{guest.Environment}': its folders are not the ones {guest.Name} runs.",
                fix: $"run 'yakctl connect {guest.Name} --sync' in your checkout of {guest.Environment}'s spec, or pass it with -f.");
        }

        return spec;
    }

    /// <summary><c>guest.OWNER.ENV.SERVICE.N</c>: a session name (letters, digits, '.', '_', '-'), apart from the guest's own environments'.</summary>
    private static string SessionName(string guest, string service, int index)
    {
        var name = $"{Prefix(guest)}{service}.{index.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        return name.Length <= 63 ? name : $"{name[..54]}.{KubeNames.Hash(name)}";
    }

    private static string Prefix(string guest)
    {
        var safe = new string([.. guest.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '.')]);
        return $"guest.{(safe.Length <= 30 ? safe : $"{safe[..21]}.{KubeNames.Hash(guest)}")}.";
    }
}
