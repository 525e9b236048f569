using System.Diagnostics;

namespace Yak.LocalCluster.Runtime;

/// <summary>
/// A pod's shared namespaces. With namespaces, a holder process (<c>unshare --net sh</c>) owns the pod's network
/// namespace: loopback up and, when possible, a veth to the host with the pod IP. Containers join it with
/// <c>nsenter -t HolderPid -n</c>. The holder waits for its stdin to close (the cluster stopping the pod, or the
/// cluster's process dying) and then SIGKILLs every process left in the namespace, so a crashed cluster leaves
/// neither holders nor containers behind. Without namespaces (not root, not Linux) the sandbox is the host itself and
/// the pod IP is 127.0.0.1.
/// </summary>
public sealed class PodSandbox : IAsyncDisposable
{
    private readonly Process? holder;
    private int disposed;

    // Repeats until a pass finds nobody: a process forked while a pass runs is caught by the next one (a
    // namespace cannot be left). Zombies have no readable namespace and do not count.
    private const string ReaperScript = """
        cat >/dev/null
        while :; do
          found=
          for p in /proc/[0-9]*; do
            [ "${p#/proc/}" = "$$" ] && continue
            [ "$p/ns/net" -ef /proc/$$/ns/net ] && kill -9 "${p#/proc/}" 2>/dev/null && found=1
          done
          [ -z "$found" ] && exit 0
        done
        """;

    private PodSandbox(Process? holder, string podIp)
    {
        this.holder = holder;
        PodIp = podIp;
    }

    /// <summary>The process whose network namespace is the pod's; 0 on the host fallback.</summary>
    public int HolderPid => holder?.Id ?? 0;

    public bool Isolated => holder is not null;

    public string PodIp { get; private set; }

    /// <summary>Why the pod has no host-reachable IP, if it has none.</summary>
    public string? NetworkWarning { get; private set; }

    public static PodSandbox Host() => new(null, "127.0.0.1");

    /// <summary>A sandbox with its own network and UTS namespaces; the pod's hostname is <paramref name="hostname"/>.</summary>
    public static async Task<PodSandbox> CreateIsolatedAsync(string hostname, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("unshare")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--net", "--uts", "--", "sh", "-c", ReaperScript, "yak-pod-sandbox" })
        {
            psi.ArgumentList.Add(arg);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start unshare");
        var sandbox = new PodSandbox(process, "127.0.0.1");
        try
        {
            await sandbox.WaitForOwnNamespaceAsync(cancellationToken).ConfigureAwait(false);
            var pid = process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var (code, output) = await HostCommand.RunAsync("nsenter", ["-t", pid, "-n", "-u", "sh", "-c", "ip link set lo up && hostname \"$0\"", hostname], null, cancellationToken).ConfigureAwait(false);
            if (code != 0)
            {
                throw new IOException($"could not set up the pod's namespaces (loopback, hostname): {output.Trim()}");
            }

            var network = await PodNetwork.ConnectAsync(process.Id, cancellationToken).ConfigureAwait(false);
            if (network.PodIp is not null)
            {
                sandbox.PodIp = network.PodIp;
            }
            else
            {
                sandbox.NetworkWarning = network.Error;
            }

            return sandbox;
        }
        catch
        {
            await sandbox.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task WaitForOwnNamespaceAsync(CancellationToken cancellationToken)
    {
        var self = File.ResolveLinkTarget("/proc/self/ns/net", false)?.Name;
        var path = $"/proc/{holder!.Id}/ns/net";
        for (var attempt = 0; attempt < 500; attempt++)
        {
            if (holder.HasExited)
            {
                throw new IOException($"unshare --net failed: {await holder.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false)}");
            }

            // unshare(2) runs before exec, so a namespace other than ours means the holder is in place.
            var target = File.ResolveLinkTarget(path, false)?.Name;
            if (target is not null && target != self)
            {
                return;
            }

            // The holder is between fork and unshare(2); there is no event for that, so look again shortly.
            await Task.Delay(2, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException("the pod sandbox did not enter its network namespace");
    }

    public async ValueTask DisposeAsync()
    {
        if (holder is null || Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        try
        {
            holder.StandardInput.Close();
            if (!holder.WaitForExit(TimeSpan.FromSeconds(2)))
            {
                holder.Kill();
                await holder.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
        }
        finally
        {
            holder.Dispose();
        }
    }
}
