using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Yak.Testing;

namespace Yak.Packaging.Tests;

/// <summary>
/// The linux-x64 tarball and .deb, unpacked into scratch folders as a user would, run <c>yakctl version</c> and
/// <c>yakctl up --local</c> on the quickstart: yakctl finds its yakd, local cluster and agent in the package alone.
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
