using System.Globalization;
using System.Text;
using k8s.Models;
using Yak.LocalCluster.Runtime.Images;

namespace Yak.LocalCluster.Runtime;

/// <summary>
/// Turns a container spec into a <see cref="LaunchSpec"/>: Kubernetes command/args rules against the image's CMD,
/// environment with <c>$(VAR)</c> expansion and <c>fieldRef</c>, and the volumes. In a sandbox the process runs as
/// <c>nsenter -t HOLDER -n -- unshare -m -- sh -c MOUNT-SCRIPT</c>: its own mount namespace with every volume folder
/// bind-mounted at its mountPath (a missing mount point is created on the host as an empty folder), then
/// <c>cd workingDir</c> and exec. On the host fallback there is no mount namespace: each mountPath is rewritten to
/// its folder wherever it appears in command, args, env values and workingDir.
/// </summary>
public static class ContainerLaunch
{
    /// <summary>Bound of a container's writable layer (a tmpfs, see <see cref="RootFsLaunch"/>).</summary>
    public const long ContainerScratchBytes = 1024L * 1024 * 1024;

    /// <summary>PATH in an image that does not set one (what container runtimes default to).</summary>
    public const string DefaultImagePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private const string MountScript = """
        set -e
        wd=$1; shift
        while [ "$1" != "--" ]; do
          [ -e "$2" ] || mkdir -p "$2"
          mount --bind "$1" "$2"
          if [ "$3" = ro ]; then mount -o remount,bind,ro "$2"; fi
          shift 3
        done
        shift
        mkdir -p "$wd" 2>/dev/null || true
        cd "$wd"
        exec "$@"
        """;

    /// <param name="hostsFile">In a sandbox, the pod's hosts file, bind-mounted over <c>/etc/hosts</c> (pod IP → hostname).</param>
    /// <param name="scratch">For an image with a root filesystem: the folder its writable layer is mounted on (see <see cref="RootFsLaunch"/>).</param>
    /// <param name="resolvConf">In a sandbox with cluster DNS, the pod's resolv.conf, bind-mounted over <c>/etc/resolv.conf</c>.</param>
    public static LaunchSpec Build(V1Pod pod, V1Container container, ImageEntry image, PodSandbox sandbox, string podIp, IReadOnlyDictionary<string, string> volumeFolders, string? hostsFile = null, string? scratch = null, string? resolvConf = null)
    {
        var env = BuildEnvironment(pod, container, image, podIp);
        IReadOnlyList<string> argv = Expand(SelectArgv(container, image), env);
        var workingDir = !string.IsNullOrEmpty(container.WorkingDir) ? container.WorkingDir : !string.IsNullOrEmpty(image.WorkingDir) ? image.WorkingDir : "/";
        var mounts = (container.VolumeMounts ?? [])
            .Where(m => volumeFolders.ContainsKey(m.Name))
            .Select(m => (Source: SubPath(volumeFolders[m.Name], m.SubPath), Target: m.MountPath, ReadOnly: m.ReadOnlyProperty == true))
            .ToList();

        if (image.RootFs is not null)
        {
            if (!sandbox.Isolated || scratch is null)
            {
                throw new InvalidOperationException($"image {image.Reference} runs in its own root filesystem, which needs pod namespaces: run the local cluster as root on Linux");
            }

            var user = User(pod, container, image);
            var binds = mounts.Select(m => (m.Source, m.Target, Mode: m.ReadOnly ? "ro" : "rw")).ToList();
            if (hostsFile is not null && !mounts.Any(m => m.Target == "/etc/hosts"))
            {
                binds.Insert(0, (hostsFile, "/etc/hosts", "rw"));
            }

            if (resolvConf is not null && !mounts.Any(m => m.Target == "/etc/resolv.conf"))
            {
                binds.Insert(0, (resolvConf, "/etc/resolv.conf", "ro"));
            }

            var holderPid = sandbox.HolderPid.ToString(CultureInfo.InvariantCulture);
            return new LaunchSpec(RootFsLaunch.Wrap(holderPid, image, scratch, ContainerScratchBytes, workingDir, (user.Uid, user.Gid), binds, argv), env, "/");
        }

        if (sandbox.Isolated)
        {
            var holder = sandbox.HolderPid.ToString(CultureInfo.InvariantCulture);
            List<string> wrapped = [HostCommand.Resolve("nsenter"), "-t", holder, "-n", "-u", "--", HostCommand.Resolve("unshare"), "-m", "--propagation", "private", "--", HostCommand.Resolve("sh"), "-c", MountScript, "yak-container", workingDir];
            if (hostsFile is not null && !mounts.Any(m => m.Target == "/etc/hosts"))
            {
                wrapped.AddRange([hostsFile, "/etc/hosts", "rw"]);
            }

            if (resolvConf is not null && !mounts.Any(m => m.Target == "/etc/resolv.conf"))
            {
                wrapped.AddRange([resolvConf, "/etc/resolv.conf", "ro"]);
            }

            foreach (var (source, target, readOnly) in mounts)
            {
                wrapped.AddRange([source, target, readOnly ? "ro" : "rw"]);
            }

            wrapped.Add("--");
            wrapped.AddRange(argv);
            return new LaunchSpec(wrapped, env, "/");
        }

        var rewrite = HostRewrite(container, volumeFolders);
        var hostEnv = env.ToDictionary(kv => kv.Key, kv => rewrite(kv.Value), StringComparer.Ordinal);
        var hostDir = rewrite(workingDir);
        Directory.CreateDirectory(hostDir);
        // No namespace reaps what the container leaves behind, so it gets a process group of its own to signal.
        var setsid = OperatingSystem.IsLinux() && HostCommand.IsOnPath("setsid");
        List<string> hostArgv = setsid ? ["setsid", "sh", "-c", "exec \"$@\"", "sh"] : ["sh", "-c", "exec \"$@\"", "sh"];
        return new LaunchSpec([.. hostArgv, .. argv.Select(rewrite)], hostEnv, hostDir, OwnProcessGroup: setsid);
    }

    /// <summary>
    /// A command run beside a container (exec, exec probe): in its namespaces when it has them; on the host fallback
    /// with the container's mount paths rewritten, as for the container itself.
    /// </summary>
    /// <param name="user">For a pulled image: the uid and gid its container runs as (exec runs as the same user, as on Kubernetes).</param>
    public static LaunchSpec BuildExec(int containerPid, bool isolated, V1Container container, IReadOnlyDictionary<string, string> volumeFolders, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> env, (long Uid, long Gid)? user = null)
    {
        if (isolated && containerPid > 0)
        {
            var pid = containerPid.ToString(CultureInfo.InvariantCulture);
            List<string> credentials = user is { } u ? ["-S", u.Uid.ToString(CultureInfo.InvariantCulture), "-G", u.Gid.ToString(CultureInfo.InvariantCulture)] : [];
            return new LaunchSpec([HostCommand.Resolve("nsenter"), "-t", pid, "-n", "-m", "-u", "--root", "--wd", .. credentials, "--", .. command], env, "/");
        }

        var rewrite = HostRewrite(container, volumeFolders);
        var workingDir = rewrite(string.IsNullOrEmpty(container.WorkingDir) ? "/" : container.WorkingDir);
        return new LaunchSpec(
            ["sh", "-c", "exec \"$@\"", "sh", .. command.Select(rewrite)],
            env.ToDictionary(kv => kv.Key, kv => rewrite(kv.Value), StringComparer.Ordinal),
            Directory.Exists(workingDir) ? workingDir : null);
    }

    /// <summary>Host fallback: every mountPath (longest first) replaced by its volume folder.</summary>
    internal static Func<string, string> HostRewrite(V1Container container, IReadOnlyDictionary<string, string> volumeFolders)
    {
        var rewrites = (container.VolumeMounts ?? [])
            .Where(m => volumeFolders.ContainsKey(m.Name) && m.MountPath.Length > 1)
            .Select(m => (Target: m.MountPath.TrimEnd('/'), Source: SubPath(volumeFolders[m.Name], m.SubPath)))
            .OrderByDescending(m => m.Target.Length)
            .ToList();
        return value => rewrites.Aggregate(value, (current, m) => current.Replace(m.Target, m.Source, StringComparison.Ordinal));
    }

    internal static IReadOnlyList<string> SelectArgv(V1Container container, ImageEntry image)
    {
        var command = container.Command ?? [];
        var args = container.Args ?? [];
        if (command.Count > 0)
        {
            return [.. command, .. args];
        }

        // Kubernetes: args replace the image's CMD and keep its ENTRYPOINT (host-tool entries have none).
        return args.Count > 0 ? [.. image.Entrypoint, .. args] : [.. image.Entrypoint, .. image.DefaultCommand];
    }

    /// <summary>Who a pulled image's container runs as: securityContext (container, then pod), else the image's User.</summary>
    internal static (long Uid, long Gid, string Home) User(V1Pod pod, V1Container container, ImageEntry image) =>
        image.RootFs is null
            ? (0, 0, "/root")
            : RootFsLaunch.ResolveUser(
                image.RootFs,
                image.User,
                container.SecurityContext?.RunAsUser ?? pod.Spec?.SecurityContext?.RunAsUser,
                container.SecurityContext?.RunAsGroup ?? pod.Spec?.SecurityContext?.RunAsGroup);

    internal static Dictionary<string, string> BuildEnvironment(V1Pod pod, V1Container container, ImageEntry image, string podIp)
    {
        // A pulled image sees only its own files: the host's PATH means nothing there.
        var hostPath = image.RootFs is not null ? DefaultImagePath : Environment.GetEnvironmentVariable("PATH") ?? DefaultImagePath;
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = string.Join(Path.PathSeparator, [.. image.PathPrepend, hostPath]),
            ["HOME"] = image.RootFs is null ? "/root" : User(pod, container, image).Home,
            ["HOSTNAME"] = pod.Metadata?.Name ?? "pod",
        };
        if (container.Tty == true)
        {
            env["TERM"] = "xterm";
        }

        foreach (var (key, value) in image.Env)
        {
            env[key] = value;
        }

        foreach (var item in container.Env ?? [])
        {
            var value = item.Value is not null ? ExpandOne(item.Value, env) : FieldValue(pod, item.ValueFrom?.FieldRef?.FieldPath, podIp);
            if (value is not null)
            {
                env[item.Name] = value;
            }
        }

        return env;
    }

    private static string? FieldValue(V1Pod pod, string? path, string podIp) => path switch
    {
        null => null,
        "metadata.name" => pod.Metadata?.Name,
        "metadata.namespace" => pod.Metadata?.NamespaceProperty,
        "metadata.uid" => pod.Metadata?.Uid,
        "spec.nodeName" => pod.Spec?.NodeName ?? "yak-local",
        "spec.serviceAccountName" => pod.Spec?.ServiceAccountName ?? "default",
        "status.podIP" => podIp,
        "status.hostIP" => "127.0.0.1",
        _ when path.StartsWith("metadata.labels['", StringComparison.Ordinal) => Lookup(pod.Metadata?.Labels, path),
        _ when path.StartsWith("metadata.annotations['", StringComparison.Ordinal) => Lookup(pod.Metadata?.Annotations, path),
        _ => null,
    };

    private static string? Lookup(IDictionary<string, string>? map, string path)
    {
        var key = path[(path.IndexOf('\'', StringComparison.Ordinal) + 1)..path.LastIndexOf('\'')];
        return map is not null && map.TryGetValue(key, out var v) ? v : null;
    }

    private static List<string> Expand(IEnumerable<string> values, IReadOnlyDictionary<string, string> env) => [.. values.Select(v => ExpandOne(v, env))];

    /// <summary>Kubernetes variable references: <c>$(NAME)</c> is replaced when NAME is defined, <c>$$</c> escapes.</summary>
    internal static string ExpandOne(string value, IReadOnlyDictionary<string, string> env)
    {
        if (!value.Contains('$', StringComparison.Ordinal))
        {
            return value;
        }

        var result = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '$' && i + 1 < value.Length)
            {
                if (value[i + 1] == '$')
                {
                    result.Append('$');
                    i++;
                    continue;
                }

                if (value[i + 1] == '(')
                {
                    var close = value.IndexOf(')', i + 2);
                    if (close > 0 && env.TryGetValue(value[(i + 2)..close], out var replacement))
                    {
                        result.Append(replacement);
                        i = close;
                        continue;
                    }
                }
            }

            result.Append(value[i]);
        }

        return result.ToString();
    }

    private static string SubPath(string folder, string? subPath)
    {
        if (string.IsNullOrEmpty(subPath))
        {
            return folder;
        }

        var full = Path.GetFullPath(Path.Combine(folder, subPath));
        if (!full.StartsWith(folder, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"subPath {subPath} leaves its volume");
        }

        Directory.CreateDirectory(full);
        return full;
    }
}
