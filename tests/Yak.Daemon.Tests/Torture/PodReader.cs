using k8s;
using k8s.Models;
using Yak.Testing;
using Yak.Testing.Cluster;

namespace Yak.Daemon.Tests.Torture;

/// <summary>
/// The checking reader as the torture pod's app container: a shell loop inside the pod (busybox or host tools alike:
/// find, stat, dd, sha256sum) that opens every file of the synced volume over and over and checks its
/// <see cref="SelfCheck"/> content on that one open descriptor, so a rename between two reads cannot fool it.
/// It prints <c>BAD path size</c> for a half-written file and <c>PASS n checked</c> after each pass; the test reads
/// the container's log through the API. It lives and dies with the pod.
/// </summary>
internal static class PodReader
{
    /// <summary>The file the disk-fill fault writes beside the replica: not the tree's, so neither synced nor checked.</summary>
    public const string FillerName = ".torture-filler";

    // One descriptor per file (fd 3): the header read by dd (exactly 83 bytes, one read), the body hashed from the same
    // offset, the size taken with stat -L on /dev/fd/3 (the open file, not the path). Globbing off: headers are words.
    // A file gone before its open is skipped (status 2, not check's 3). BAD lines are capped per pass so a broken sync cannot flood the log.
    private const string Script = """
set -f
check() {
  [ -f /dev/fd/3 ] || return 0
  size=$(stat -L -c %s /dev/fd/3) || return 0
  [ "$size" -eq 0 ] && return 0
  set -- $(dd bs=83 count=1 <&3)
  [ "$1" = YAKT ] && [ "$2" = "$(printf %012d $((size - 83)))" ] && [ "$(sha256sum <&3)" = "$3  -" ] && return 0
  return 3
}
pass=0
while :; do
  # An empty volume (before the first sync, after a pod replacement) is not a pass: a short pause, no log line.
  if find /code -type f ! -name '.yak-tmp*' ! -name '.torture-filler' | {
    checked=0; bad=0
    while IFS= read -r f; do
      { check; } 2>/dev/null 3<"$f"
      if [ $? -eq 3 ]; then
        bad=$((bad + 1))
        [ "$bad" -le 20 ] && echo "BAD ${f#/code/} $size"
      fi
      checked=$((checked + 1))
    done
    [ "$checked" -gt 0 ] && echo "PASS $((pass + 1)) $checked"
  }; then pass=$((pass + 1)); else sleep 0.2; fi
done
""";

    /// <summary>
    /// The sidecar pod of environments, its code volume a memory emptyDir of <paramref name="diskBytes"/> (a real tmpfs
    /// the disk-fill fault can fill) and its app container the reader.
    /// </summary>
    public static V1Pod Pod(string name, long diskBytes)
    {
        var pod = LocalClusterFixture.SidecarPod(name);
        pod.Spec.Containers[0].Command = ["sh", "-c", Script];
        pod.Spec.Volumes[0] = new V1Volume
        {
            Name = "code",
            EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity(diskBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
        };
        return pod;
    }

    /// <summary>What the reader of pod <paramref name="podName"/> has logged so far.</summary>
    public static async Task<ReaderReport> ReadAsync(LocalClusterFixture cluster, string podName)
    {
        await using var stream = await cluster.Client.CoreV1.ReadNamespacedPodLogAsync(podName, "default", container: "app").DefaultTimeout();
        using var text = new StreamReader(stream);
        var log = await text.ReadToEndAsync().DefaultTimeout();
        var findings = new List<string>();
        long passes = 0, checkedFiles = 0;
        foreach (var line in log.Split('\n'))
        {
            if (line.StartsWith("BAD ", StringComparison.Ordinal))
            {
                findings.Add(line[4..]);
            }
            else if (line.Split(' ') is ["PASS", var pass, var count] && long.TryParse(pass, out var p) && long.TryParse(count, out var c))
            {
                passes = p;
                checkedFiles += c;
            }
        }

        return new ReaderReport(passes, checkedFiles, findings);
    }
}

/// <summary>Passes finished, files checked and half-written files seen (path and size) by one or more readers.</summary>
internal sealed record ReaderReport(long Passes, long Checked, IReadOnlyList<string> Findings)
{
    public static readonly ReaderReport None = new(0, 0, []);

    public static ReaderReport operator +(ReaderReport a, ReaderReport b) => new(a.Passes + b.Passes, a.Checked + b.Checked, [.. a.Findings, .. b.Findings]);

    public override string ToString() => $"{Passes} passes, {Checked} files checked, {Findings.Count} half-written";
}
