using k8s;
using k8s.Models;
using Yak.LocalCluster.Runtime;
using Yak.LocalCluster.Tests.Runtime;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Streams;

/// <summary>Pod IPs as Services and Endpoints use them: needs root on Linux; fails, not skips, without it.</summary>
public sealed class PodNetworkTests
{
    [Fact]
    public async Task Exec_FetchFromAnotherPodsIp_ReachesThatPod()
    {
        Assert.True(LinuxNative.IsRoot, "pod networking needs root on Linux");
        await using var host = await StreamTestHost.StartAsync();
        var server = new V1Container
        {
            Name = "web",
            Image = "python:3.12",
            Command = ["python3", "-m", "http.server", "8080", "--directory", "/proc/self"],
            ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Port = 8080, Path = "/" }, PeriodSeconds = 1 },
        };
        await host.RunReadyAsync(TestPods.Pod("server", server));
        await host.RunReadyAsync(TestPods.Pod("client", TestPods.Shell("app", "exec sleep 1000")));
        var serverIp = (await host.Status.WaitReadyAsync("server")).PodIP;
        string? stdout = null, stderr = null;

        var exitCode = await host.Client.NamespacedPodExecAsync("client", "default", "app", ["python3", "-c", $"import urllib.request; print(urllib.request.urlopen('http://{serverIp}:8080/', timeout=5).status)"], false, async (_, output, error) =>
        {
            stdout = await new StreamReader(output).ReadToEndAsync();
            stderr = await new StreamReader(error).ReadToEndAsync();
        }, CancellationToken.None).DefaultTimeout();

        Assert.True(exitCode == 0, $"client pod could not reach {serverIp}:8080: {stderr}");
        Assert.Equal("200\n", stdout);
    }

    [Fact]
    public async Task Exec_Hostname_IsThePodNameAndHostsFileHasPodIpAndAliases()
    {
        Assert.True(LinuxNative.IsRoot, "pod namespaces need root on Linux");
        await using var host = await StreamTestHost.StartAsync();
        var pod = TestPods.Pod("named-pod", TestPods.Shell("app", "exec sleep 1000"));
        pod.Spec.HostAliases = [new V1HostAlias { Ip = "10.1.2.3", Hostnames = ["db", "db.local"] }];
        await host.RunReadyAsync(pod);
        string? stdout = null;

        await host.Client.NamespacedPodExecAsync("named-pod", "default", "app", ["sh", "-c", "hostname; grep -w named-pod /etc/hosts | cut -f1; grep -w db /etc/hosts"], false, async (_, output, _) =>
        {
            stdout = await new StreamReader(output).ReadToEndAsync();
        }, CancellationToken.None).DefaultTimeout();

        var podIp = (await host.Status.WaitReadyAsync("named-pod")).PodIP;
        Assert.Equal($"named-pod\n{podIp}\n10.1.2.3\tdb\tdb.local\n", stdout);
    }
}
