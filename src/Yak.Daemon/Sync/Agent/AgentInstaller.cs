using System.IO.Pipelines;
using System.Text;
using Yak.Environments.Manifests;
using Yak.Kube;
using Yak.Kube.Streams;

namespace Yak.Daemon.Sync.Agent;

/// <summary>Delivery refused or failed; the message names the pod, the cause and the setting to change.</summary>
public sealed class AgentDeliveryException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>
/// Installs the yak-agent build matching the pod's node into the sync sidecar over exec, as Mutagen installs its
/// agent over ssh: probe the platform and what is already there (one exec), upload only when the versioned path is
/// missing, check the SHA-256 in the pod before an atomic rename, and remove other versions. The sidecar's base image
/// needs only a POSIX shell and <see cref="RequiredTools"/> (busybox has them all).
/// </summary>
public sealed class AgentInstaller(AgentBuilds builds, Action<string>? log = null)
{
    /// <summary>What delivery runs in the sidecar besides <c>sh</c>.</summary>
    public static readonly IReadOnlyList<string> RequiredTools = ["uname", "head", "sha256sum", "mkdir", "chmod", "mv", "rm"];

    // $1 = agent volume. Prints "missing TOOL…" or "platform OS ARCH" then "have DIR" per installed build.
    private static readonly string ProbeScript =
        $"missing=''; for t in {string.Join(' ', RequiredTools)}; do command -v \"$t\" >/dev/null 2>&1 || missing=\"$missing $t\"; done; " +
        "if [ -n \"$missing\" ]; then echo \"missing$missing\"; exit 0; fi; " +
        "echo \"platform $(uname -s) $(uname -m)\"; " +
        "for d in \"$1\"/*/; do [ -x \"${d}yak-agent\" ] && echo \"have ${d%/}\"; done; exit 0";

    // $1 = target folder, $2 = size, $3 = sha256, $4 = agent volume. Private from creation (umask), verified, renamed.
    private const string UploadScript =
        "set -e; umask 077; mkdir -p \"$1\"; t=\"$1/.upload.$$\"; trap 'rm -f \"$t\"' EXIT; " +
        "head -c \"$2\" > \"$t\"; got=$(sha256sum \"$t\"); got=${got%% *}; " +
        "if [ \"$got\" != \"$3\" ]; then echo \"sha256 mismatch: got $got, expected $3\" >&2; exit 3; fi; " +
        "chmod 0700 \"$t\"; mv -f \"$t\" \"$1/yak-agent\"; trap - EXIT; " +
        "for d in \"$4\"/*/; do [ \"${d%/}\" = \"$1\" ] || rm -rf \"${d%/}\"; done";

    /// <summary>Makes sure the matching build is installed in the container; returns it (with its path in the pod).</summary>
    public async Task<AgentBuild> EnsureAsync(KubeConnection connection, string podNamespace, string pod, string container, CancellationToken cancellationToken)
    {
        var where = $"{podNamespace}/{pod} container {container}";
        var (exit, output, error) = await RunAsync(connection, podNamespace, pod, container, ["sh", "-c", ProbeScript, "yak-probe", SyncAgentLayout.MountPath], null, cancellationToken).ConfigureAwait(false);
        if (exit.ExitCode != 0)
        {
            throw new AgentDeliveryException(
                $"Cannot install yak-agent into {where}: running 'sh' there failed ({Describe(exit, error)}). The sidecar's image needs a POSIX shell; set agent.baseImage in config.yaml to an image that has one (default {SyncSidecar.DefaultBaseImage}), or agent.image to a prebuilt agent image.");
        }

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.FirstOrDefault(l => l.StartsWith("missing ", StringComparison.Ordinal)) is { } missing)
        {
            throw new AgentDeliveryException(
                $"Cannot install yak-agent into {where}: the sidecar's image lacks {missing["missing ".Length..].Trim()}. Set agent.baseImage in config.yaml to an image with {string.Join(", ", RequiredTools)} (default {SyncSidecar.DefaultBaseImage}), or agent.image to a prebuilt agent image.");
        }

        var platformLine = lines.FirstOrDefault(l => l.StartsWith("platform ", StringComparison.Ordinal))?.Split(' ')
            ?? throw new AgentDeliveryException($"Cannot install yak-agent into {where}: the platform probe printed nothing ({error.Trim()}).");
        var platform = AgentBuilds.Platform(platformLine.ElementAtOrDefault(1) ?? "", platformLine.ElementAtOrDefault(2) ?? "");
        var build = builds.Find(platform) ?? throw new AgentDeliveryException(
            $"The node of {where} is {platform}, and this yakd has no yak-agent build for {platform} (builds in {builds.Directory}: {(builds.Platforms.Count == 0 ? "none" : string.Join(", ", builds.Platforms))}). Run the pod on a node of a supported architecture, or set agent.image to a prebuilt agent image for {platform}.");
        if (lines.Contains($"have {build.RemoteDirectory}", StringComparer.Ordinal))
        {
            return build;
        }

        log?.Invoke($"installing yak-agent {build.Version} ({build.Platform}, {build.Size} bytes) into {where}");
        var started = TimeProvider.System.GetTimestamp();
        var content = await File.ReadAllBytesAsync(build.Path, cancellationToken).ConfigureAwait(false);
        (exit, _, error) = await RunAsync(
            connection,
            podNamespace,
            pod,
            container,
            ["sh", "-c", UploadScript, "yak-upload", build.RemoteDirectory, build.Size.ToString(System.Globalization.CultureInfo.InvariantCulture), build.Sha256, SyncAgentLayout.MountPath],
            content,
            cancellationToken).ConfigureAwait(false);
        if (exit.ExitCode != 0)
        {
            throw new AgentDeliveryException($"Installing yak-agent into {where} failed: {Describe(exit, error)}. Nothing was left half-written; the next connect tries again.");
        }

        log?.Invoke($"installed yak-agent {build.Version} at {build.RemotePath} in {TimeProvider.System.GetElapsedTime(started).TotalMilliseconds:0} ms");
        return build;
    }

    private static string Describe(ExecExit exit, string error) =>
        exit.Error is { Length: > 0 } e ? e : $"exit code {exit.ExitCode}{(error.Trim().Length > 0 ? ": " + error.Trim() : string.Empty)}";

    private static async Task<(ExecExit Exit, string Output, string Error)> RunAsync(
        KubeConnection connection, string podNamespace, string pod, string container, IReadOnlyList<string> command, byte[]? input, CancellationToken cancellationToken)
    {
        await using var session = await KubeExecSession.StartAsync(connection, podNamespace, pod, container, command, tty: false, stdin: input is not null, cancellationToken).ConfigureAwait(false);
        var output = ReadAllAsync(session.Stdout, cancellationToken);
        var error = ReadAllAsync(session.Stderr, cancellationToken);
        if (input is not null)
        {
            await session.WriteStdinAsync(input, cancellationToken).ConfigureAwait(false);
            await session.CloseStdinAsync(cancellationToken).ConfigureAwait(false);
        }

        var exit = await session.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return (exit, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }

    private static async Task<string> ReadAllAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        const int limit = 64 * 1024;
        var text = new StringBuilder();
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                foreach (var segment in result.Buffer)
                {
                    if (text.Length < limit)
                    {
                        text.Append(Encoding.UTF8.GetString(segment.Span));
                    }
                }

                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return text.ToString();
                }
            }
        }
        catch (IOException)
        {
            return text.ToString();
        }
    }
}
