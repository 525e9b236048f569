using System.Runtime.InteropServices;
using Yak.Sync.Link;
using Yak.Testing;

namespace Yak.Sync.Tests;

/// <summary>Which agent a local endpoint runs, and the link pipe it is given.</summary>
public sealed class AgentLocationTests
{
    private static string Platform => RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-amd64";

    [Fact]
    public void NativeBuild_AgentsFolderHasThisMachinesBuild_PicksIt()
    {
        using var temp = new TempDirectory();
        var native = Path.Combine(temp.Path, "agents", Platform, "yak-agent");
        Directory.CreateDirectory(Path.GetDirectoryName(native)!);
        File.WriteAllText(native, "");

        Assert.Equal(native, LocalAgentConnector.NativeBuild(temp.Path));
    }

    [Fact]
    public void NativeBuild_OnlyAnotherArchitecturesBuild_None()
    {
        using var temp = new TempDirectory();
        var other = Platform == "linux-amd64" ? "linux-arm64" : "linux-amd64";
        Directory.CreateDirectory(Path.Combine(temp.Path, "agents", other));
        File.WriteAllText(Path.Combine(temp.Path, "agents", other, "yak-agent"), "");

        Assert.Null(LocalAgentConnector.NativeBuild(temp.Path));
    }

    [Fact]
    public void TryGrow_APipe_HoldsAMebibyte()
    {
        using var server = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.Out);
        var fd = (int)server.SafePipeHandle.DangerousGetHandle();

        Assert.Equal(PipeCapacity.Link, PipeCapacity.TryGrow(fd));
    }

    [Fact]
    public void TryGrow_ARegularFile_LeftAsItWas()
    {
        using var temp = new TempDirectory();
        using var file = File.Create(temp.Combine("f"));

        Assert.Null(PipeCapacity.TryGrow((int)file.SafeFileHandle.DangerousGetHandle()));
    }
}
