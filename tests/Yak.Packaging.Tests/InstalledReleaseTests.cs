using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Yak.Testing;

namespace Yak.Packaging.Tests;

/// <summary>
/// The linux-x64 tarball and .deb, unpacked into scratch folders as a user would, run <c>yakctl version</c> and
/// <c>yakctl up --local</c> on the quickstart: yakctl finds its yakd, local cluster and agent in the package alone.
/// yakctl and yakd are the NativeAOT builds there (this host's platform): the quickstart also runs yakctl's everyday
/// reads, a byte stream, the embedded error pages and unit files through the packaged NativeAOT yakd.
/// </summary>
[Collection(ReleaseCollection.Name)]
public sealed class InstalledReleaseTests(ReleaseFixture release)
{
    [Fact]
    public async Task Tarball_Unpacked_RunsVersionAndTheQuickstart()
    {
        using var scratch = new TempDirectory("yk-tar-");
        await ReleaseFixture.UnpackAsync("tar", ["-xzf", release.Tarball, "-C", scratch.Path]);
        var root = Path.Combine(scratch.Path, $"yak-{release.Version}-linux-x64");
        foreach (var file in new[] { "yakctl", "yakd", "yak-local-cluster", "agents/linux-amd64/yak-agent", "install.sh", "systemd/yakd.service", "systemd/yakd.socket", "launchd/dev.yak.yakd.plist" })
        {
            Assert.True(File.Exists(Path.Combine(root, file)), $"{file} missing from the tarball");
        }

        // NativeAOT: no .NET host inside; the local cluster, a single-file .NET program, has one (so the check can tell them apart).
        Assert.False(await HasDotnetHostAsync(Path.Combine(root, "yakctl")), "the linux-x64 yakctl should be NativeAOT");
        Assert.False(await HasDotnetHostAsync(Path.Combine(root, "yakd")), "the linux-x64 yakd should be NativeAOT");
        Assert.True(await HasDotnetHostAsync(Path.Combine(root, "yak-local-cluster")), "the local cluster should be a single-file .NET program");

        await RunQuickstartAsync(Path.Combine(root, "yakctl"));
    }

    [Fact]
    public async Task Deb_Extracted_HasTheLayoutAndRunsVersionAndTheQuickstart()
    {
        using var scratch = new TempDirectory("yk-deb-");
        await ReleaseFixture.UnpackAsync("dpkg-deb", ["-x", release.Deb, scratch.Path]);
        var fields = await ReleaseFixture.RunAsync("dpkg-deb", new Dictionary<string, string?>(), "-f", release.Deb, "Package", "Version", "Architecture");
        Assert.Equal($"Package: yak\nVersion: {release.Version}\nArchitecture: amd64", fields.StandardOutput.Trim());
        var yakctl = Path.Combine(scratch.Path, "usr", "bin", "yakctl");
        Assert.Equal("../lib/yak/yakctl", new FileInfo(yakctl).LinkTarget);
        Assert.True(File.Exists(Path.Combine(scratch.Path, "usr", "lib", "yak", "agents", "linux-amd64", "yak-agent")));
        var unit = File.ReadAllText(Path.Combine(scratch.Path, "usr", "lib", "systemd", "user", "yakd.service"));
        Assert.Contains("ExecStart=/usr/lib/yak/yakd --background", unit, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(scratch.Path, "usr", "lib", "systemd", "user", "yakd.socket")));

        // Through the /usr/bin symlink, as installed: yakctl finds its companions beside its real path.
        await RunQuickstartAsync(yakctl);
    }

    private async Task RunQuickstartAsync(string yakctl)
    {
        using var sandbox = new YakSandbox();
        var environment = sandbox.Environment();
        environment["YAK_DAEMON_PATH"] = null;
        using var project = new TempDirectory("yk-shop-");
        var port = FreePort();
        CopyQuickstart(project.Path, port);

        var version = await ReleaseFixture.RunAsync(yakctl, environment, "version", "-o", "json");
        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.Equal(release.Version, JsonDocument.Parse(version.StandardOutput).RootElement.GetProperty("client").GetString());
        var flag = await ReleaseFixture.RunAsync(yakctl, environment, "--version");
        Assert.Equal(release.Version, flag.StandardOutput.Trim());

        int? clusterPid = null;
        try
        {
            var up = await ReleaseFixture.RunAsync(yakctl, environment, "up", "--local", "-f", project.Path);
            clusterPid = await LocalClusterPidAsync(yakctl, environment);
            Assert.True(up.ExitCode == 0, up.ToString());
            Assert.Contains($"http://localhost:{port}", up.StandardOutput, StringComparison.Ordinal);
            using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) })
            {
                var page = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/"));
                Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            }

            await RunEverydayCommandsAsync(yakctl, environment, project.Path);

            // The packaged yakd delivered the packaged agent: same version as yakctl, for the environment's service.
            var report = await ReleaseFixture.RunAsync(yakctl, environment, "version", "-o", "json");
            Assert.True(report.ExitCode == 0, report.ToString());
            using var json = JsonDocument.Parse(report.StandardOutput);
            Assert.Equal(release.Version, json.RootElement.GetProperty("daemon").GetString());
            Assert.Contains(json.RootElement.GetProperty("agentBuilds").EnumerateArray(), b => b.GetProperty("platform").GetString() == "linux-amd64");
            var web = Assert.Single(json.RootElement.GetProperty("agents").EnumerateArray(), a => a.GetProperty("environment").GetString() == "shop" && a.GetProperty("service").GetString() == "web");
            Assert.True(web.GetProperty("current").GetBoolean(), report.StandardOutput);

            var down = await ReleaseFixture.RunAsync(yakctl, environment, "down", "--purge", "-f", project.Path);
            Assert.True(down.ExitCode == 0, down.ToString());
        }
        finally
        {
            await ReleaseFixture.RunAsync(yakctl, environment, "cluster", "local", "stop");
            await ReleaseFixture.RunAsync(yakctl, environment, "daemon", "stop");
            Kill(clusterPid);
        }
    }

    /// <summary>Status (quick reads, text and JSON), exec and logs (byte streams), explain and the unit files (embedded).</summary>
    private static async Task RunEverydayCommandsAsync(string yakctl, IReadOnlyDictionary<string, string?> environment, string project)
    {
        var status = await ReleaseFixture.RunAsync(yakctl, environment, "status", "-f", project, "-o", "json");
        Assert.True(status.ExitCode == 0, status.ToString());
        var shop = Assert.Single(JsonDocument.Parse(status.StandardOutput).RootElement.EnumerateArray());
        Assert.Equal("shop", shop.GetProperty("name").GetString());
        Assert.Equal("up", shop.GetProperty("state").GetString());
        var text = await ReleaseFixture.RunAsync(yakctl, environment, "status", "shop");
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("shop: up", text.StandardOutput, StringComparison.Ordinal);

        var exec = await ReleaseFixture.RunAsync(yakctl, environment, "exec", "--env", "shop", "web", "--", "cat", "/app/server.py");
        Assert.True(exec.ExitCode == 0, exec.ToString());
        Assert.Contains("The shop's web front", exec.StandardOutput, StringComparison.Ordinal);
        var failing = await ReleaseFixture.RunAsync(yakctl, environment, "exec", "--env", "shop", "web", "--", "sh", "-c", "exit 7");
        Assert.Equal(7, failing.ExitCode);

        var logs = await ReleaseFixture.RunAsync(yakctl, environment, "logs", "--env", "shop", "web", "-o", "json");
        Assert.True(logs.ExitCode == 0, logs.ToString());
        var lines = logs.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => JsonDocument.Parse(l).RootElement.GetProperty("line").GetString()!.Contains("GET / ", StringComparison.Ordinal));

        var explain = await ReleaseFixture.RunAsync(yakctl, environment, "explain", "YAK1001");
        Assert.True(explain.ExitCode == 0, explain.ToString());
        Assert.StartsWith("# YAK1001", explain.StandardOutput, StringComparison.Ordinal);

        var install = await ReleaseFixture.RunAsync(yakctl, environment, "daemon", "install", "--dry-run", "--init-system", "systemd", "-o", "json");
        Assert.True(install.ExitCode == 0, install.ToString());
        var files = JsonDocument.Parse(install.StandardOutput).RootElement.GetProperty("files").EnumerateArray().ToList();
        Assert.Contains(files, f => f.GetProperty("content").GetString()!.Contains("yakd --background", StringComparison.Ordinal));
        Assert.Contains(files, f => f.GetProperty("content").GetString()!.Contains("ListenStream=%t/yak/yakd.sock", StringComparison.Ordinal));
    }

    /// <summary>Whether <paramref name="program"/> carries the .NET single-file host (its bundle settings' name).</summary>
    private static async Task<bool> HasDotnetHostAsync(string program)
    {
        var marker = "DOTNET_BUNDLE_EXTRACT_BASE_DIR"u8.ToArray();
        await using var file = File.OpenRead(program);
        var buffer = new byte[1 << 20];
        var kept = 0;
        int read;
        while ((read = await file.ReadAsync(buffer.AsMemory(kept))) > 0)
        {
            var filled = kept + read;
            if (buffer.AsSpan(0, filled).IndexOf(marker) >= 0)
            {
                return true;
            }

            // Keep the tail: the marker may straddle two reads.
            kept = Math.Min(marker.Length - 1, filled);
            buffer.AsSpan(filled - kept, kept).CopyTo(buffer);
        }

        return false;
    }

    private static async Task<int?> LocalClusterPidAsync(string yakctl, IReadOnlyDictionary<string, string?> environment)
    {
        var status = await ReleaseFixture.RunAsync(yakctl, environment, "cluster", "local", "status", "-o", "json");
        return status.ExitCode == 0 && JsonDocument.Parse(status.StandardOutput).RootElement.TryGetProperty("pid", out var pid) ? pid.GetInt32() : null;
    }

    private static void Kill(int? pid)
    {
        if (pid is null)
        {
            return;
        }

        try
        {
            using var process = Process.GetProcessById(pid.Value);
            process.Kill(entireProcessTree: true);
        }
        catch (ArgumentException)
        {
            // Already stopped.
        }
    }

    /// <summary>The repository's quickstart, with its forwarded port moved to <paramref name="port"/> so runs never collide.</summary>
    private static void CopyQuickstart(string destination, int port)
    {
        var source = Path.Combine(ReleaseFixture.RepositoryRoot, "examples", "shop");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var spec = Path.Combine(destination, "yak.yaml");
        var text = File.ReadAllText(spec);
        Assert.Contains("\"8080:8080\"", text, StringComparison.Ordinal);
        File.WriteAllText(spec, text.Replace("\"8080:8080\"", $"\"{port}:8080\"", StringComparison.Ordinal));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
