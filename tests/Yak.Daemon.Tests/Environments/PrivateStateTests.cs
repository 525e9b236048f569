using Yak.Client;
using Yak.Protocol.Messages;
using Yak.Testing;

namespace Yak.Daemon.Tests.Environments;

/// <summary>Everything yakd creates under the state, config and runtime folders is for its user alone.</summary>
public sealed class PrivateStateTests
{
    private const UnixFileMode GroupOrOther = (UnixFileMode)0b_000_111_111;

    [Fact]
    public async Task UpSyncForward_AfterARealSession_EveryEntryYakCreatedIsPrivate()
    {
        await using var env = await EnvironmentFixture.StartAsync("shop");
        var up = await env.UpAsync().WaitAsync(EnvironmentFixture.UpBound);
        Assert.Equal(EnvironmentState.Up, up.Environment.State);
        var web = Assert.Single(up.Environment.Services, s => s.Name == "web");
        File.WriteAllText(Path.Combine(env.Folder, "web", "index.html"), "<h1>private</h1>");
        await env.Client.FlushSyncAsync(Assert.Single(web.Syncs).Session, CancellationToken.None).DefaultTimeout();
        using (var http = new HttpClient())
        {
            Assert.Equal("<h1>private</h1>", await http.GetStringAsync(new Uri($"http://127.0.0.1:{env.WebPort}/")).DefaultTimeout());
        }

        // A restart rewrites the registries and resumes the sessions from their state files.
        await env.RestartDaemonAsync();
        await env.Client.FlushSyncAsync(Assert.Single(web.Syncs).Session, CancellationToken.None).DefaultTimeout();

        // config.yaml and its folder were written by the test (the user), not by yak.
        var userWritten = new HashSet<string>(StringComparer.Ordinal) { Path.Combine(env.Sandbox.ConfigHome, "yak"), Path.Combine(env.Sandbox.ConfigHome, "yak", "config.yaml") };
        var roots = new[] { Path.Combine(env.Sandbox.StateHome, "yak"), Path.Combine(env.Sandbox.RuntimeDirectory, "yak"), Path.Combine(env.Sandbox.ConfigHome, "yak") };
        var entries = roots.Where(Directory.Exists)
            .SelectMany(root => new[] { root }.Concat(Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)))
            .Where(path => !userWritten.Contains(path))
            .ToList();

        Assert.Contains(entries, e => e.EndsWith(Path.Combine("sync", Assert.Single(web.Syncs).Session, "local-scan.bin"), StringComparison.Ordinal));
        Assert.Contains(entries, e => e.EndsWith("environments.json", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.EndsWith("yakd.sock", StringComparison.Ordinal));
        Assert.Contains(entries, e => Path.GetFileName(e).StartsWith("yakd-", StringComparison.Ordinal) && e.EndsWith(".log", StringComparison.Ordinal));
        Assert.All(entries, path =>
        {
            var info = new FileInfo(path);
            Assert.True(info.LinkTarget is null, $"{path} is a link");
            var mode = File.GetUnixFileMode(path);
            Assert.True((mode & GroupOrOther) == 0, $"{path} is {Convert.ToString((int)mode, 8)}: others may read or enter it");
            if (Directory.Exists(path))
            {
                Assert.True(mode == (UnixFileMode)0b_111_000_000, $"{path} is {Convert.ToString((int)mode, 8)}, not 700");
            }
        });
    }
}
