using Yak.Protocol.Transport;

namespace Yak.Protocol.Tests;

public sealed class DaemonEndpointTests
{
    private static DaemonEndpoint Resolve(params (string Name, string Value)[] variables) =>
        DaemonEndpoint.Resolve(name => variables.FirstOrDefault(v => v.Name == name).Value);

    [Fact]
    public void Resolve_WithRuntimeDir_PutsSocketInYakFolder()
    {
        var endpoint = Resolve(("HOME", "/home/a"), ("XDG_RUNTIME_DIR", "/run/user/1000"));

        Assert.Equal("/run/user/1000/yak/yakd.sock", endpoint.SocketPath);
        Assert.Equal("/home/a/.local/state/yak", endpoint.StateDirectory);
        Assert.Equal("/home/a/.local/state/yak/logs", endpoint.LogDirectory);
        Assert.Equal("/home/a/.config/yak", endpoint.ConfigDirectory);
    }

    [Fact]
    public void Resolve_WithoutRuntimeDir_UsesPrivateTempFolderNamedForUid()
    {
        var endpoint = Resolve(("HOME", "/home/a"));

        Assert.Equal(Path.Combine(Path.GetTempPath(), $"yak-{CurrentUser.EffectiveUserId}", "yakd.sock"), endpoint.SocketPath);
    }

    [Fact]
    public void Resolve_WithSocketOverride_UsesIt()
    {
        var endpoint = Resolve(("HOME", "/home/a"), ("XDG_RUNTIME_DIR", "/run/user/1000"), ("YAK_SOCKET", "/tmp/x/my.sock"));

        Assert.Equal("/tmp/x/my.sock", endpoint.SocketPath);
        Assert.Equal("/tmp/x/yakd.lock", endpoint.LockFilePath);
    }

    [Fact]
    public void Resolve_RelativeXdgValues_AreIgnoredAsTheSpecSays()
    {
        var endpoint = Resolve(("HOME", "/home/a"), ("XDG_STATE_HOME", "relative/state"), ("XDG_RUNTIME_DIR", "run"));

        Assert.Equal("/home/a/.local/state/yak", endpoint.StateDirectory);
        Assert.DoesNotContain("run/yak", endpoint.SocketPath, StringComparison.Ordinal);
    }
}
