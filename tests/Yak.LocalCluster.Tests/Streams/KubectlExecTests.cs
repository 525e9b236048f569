using System.Diagnostics;
using Yak.LocalCluster.Tests.Runtime;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Streams;

/// <summary>The real kubectl (WebSocket v5.channel.k8s.io) against the node's exec endpoint.</summary>
public sealed class KubectlExecTests
{
    [Theory]
    [MemberData(nameof(Kubectl.Versions), MemberType = typeof(Kubectl))]
    public async Task KubectlExec_NonZeroExit_PassesExitCodeAndStreams(string version)
    {
        await using var host = await StreamTestHost.StartAsync();
        await host.RunReadyAsync(TestPods.Pod("kx", TestPods.Shell("app", "exec sleep 1000")));

        var result = await Kubectl.RunAsync(version, host.WriteKubeconfig(), null, "exec", "kx", "-c", "app", "--", "sh", "-c", "echo to-out; echo to-err >&2; exit 42");

        Assert.True(result.ExitCode == 42, Kubectl.Describe(result));
        Assert.Equal("to-out\n", result.Stdout);
        Assert.Contains("to-err", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kubectl.Versions), MemberType = typeof(Kubectl))]
    public async Task KubectlExec_StdinUntilEof_CommandSeesAllInput(string version)
    {
        await using var host = await StreamTestHost.StartAsync();
        await host.RunReadyAsync(TestPods.Pod("kx-in", TestPods.Shell("app", "exec sleep 1000")));

        var result = await Kubectl.RunAsync(version, host.WriteKubeconfig(), "line one\nline two\n", "exec", "-i", "kx-in", "--", "sh", "-c", "wc -l; echo done");

        Assert.True(result.ExitCode == 0, Kubectl.Describe(result));
        Assert.Equal("2\ndone\n", result.Stdout);
    }

    [Theory]
    [MemberData(nameof(Kubectl.Versions), MemberType = typeof(Kubectl))]
    public async Task KubectlExec_TwentyMegabytesOfStdin_ArriveIntact(string version)
    {
        await using var host = await StreamTestHost.StartAsync();
        await host.RunReadyAsync(TestPods.Pod("kx-big", TestPods.Shell("app", "exec sleep 1000")));
        var input = Path.Combine(host.StateDirectory, "input.bin");
        var data = System.Security.Cryptography.RandomNumberGenerator.GetBytes(20 * 1024 * 1024);
        await File.WriteAllBytesAsync(input, data).DefaultTimeout();
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data));

        // stdin from a file, as in `tar c . | kubectl exec -i pod -- tar x`.
        var psi = Kubectl.StartInfo(version, host.WriteKubeconfig(), "exec", "-i", "kx-big", "--", "sha256sum");
        using var process = Process.Start(psi)!;
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            await using (var file = File.OpenRead(input))
            {
                await file.CopyToAsync(process.StandardInput.BaseStream).DefaultTimeout();
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync().DefaultTimeout();

            Assert.Equal(0, process.ExitCode);
            Assert.StartsWith(expected, await stdout.DefaultTimeout(), StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kubectl.Versions), MemberType = typeof(Kubectl))]
    public async Task KubectlExecIt_UnderAPty_CommandGetsATerminal(string version)
    {
        await using var host = await StreamTestHost.StartAsync();
        await host.RunReadyAsync(TestPods.Pod("kx-tty", TestPods.Shell("app", "exec sleep 1000")));
        var kubectl = Kubectl.Path(version);
        var kubeconfig = host.WriteKubeconfig();

        // script gives kubectl a terminal of its own, as a user's shell would.
        var psi = new ProcessStartInfo("script")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["KUBECONFIG"] = kubeconfig;
        foreach (var arg in new[] { "-q", "-e", "-c", $"{kubectl} exec -it kx-tty -- sh -c 'tty; echo term=$TERM; exit 7'", "/dev/null" })
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync().DefaultTimeout();
            var text = await stdout.DefaultTimeout();

            Assert.Contains("/dev/pts/", text, StringComparison.Ordinal);
            Assert.Contains("term=xterm", text, StringComparison.Ordinal);
            Assert.Equal(7, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
