using k8s;
using k8s.Models;
using Yak.LocalCluster.Tests.Support;
using Yak.Testing;

namespace Yak.LocalCluster.Tests.Networking;

/// <summary>ClusterIPs, the pods' DNS and the ClusterIP proxy, with the process runtime (pods in their own network namespaces as root).</summary>
public sealed class ServiceNetworkingTests
{
    private const string Store = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: { name: store }
        spec:
          replicas: 2
          selector: { matchLabels: { app: store } }
          template:
            metadata: { labels: { app: store } }
            spec:
              containers:
              - name: main
                image: python
                command: [sh, -c, "echo visits-7 > /srv/index.html && exec python3 -m http.server 7070 -d /srv"]
                ports: [{ name: http, containerPort: 7070 }]
                readinessProbe: { tcpSocket: { port: 7070 }, periodSeconds: 1 }
                volumeMounts: [{ name: www, mountPath: /srv }]
              volumes: [{ name: www, emptyDir: {} }]
        ---
        apiVersion: v1
        kind: Service
        metadata: { name: store }
        spec:
          selector: { app: store }
          ports: [{ port: 80, targetPort: http }]
        ---
        apiVersion: v1
        kind: Service
        metadata: { name: store-headless }
        spec:
          clusterIP: None
          selector: { app: store }
          ports: [{ port: 7070 }]
        ---
        apiVersion: v1
        kind: Service
        metadata: { name: nobody }
        spec:
          selector: { app: nobody }
          ports: [{ port: 80 }]
        """;

    private const string Client = """
        import socket, urllib.request
        def get(url):
            try:
                return urllib.request.urlopen(url, timeout=5).read().decode().strip()
            except OSError as e:
                return "refused"
        def lookup(name):
            try:
                return ",".join(sorted(socket.gethostbyname_ex(name)[2]))
            except socket.gaierror:
                return "nxdomain"
        print("resolv", " | ".join(l for l in open("/etc/resolv.conf").read().splitlines() if l))
        print("a", lookup("store"), lookup("store.default"), lookup("store.default.svc.cluster.local"))
        print("headless", lookup("store-headless"))
        print("missing", lookup("nothing-here"), lookup("nothing.default.svc.cluster.local"))
        print("http", get("http://store/"), get("http://store.default.svc.cluster.local/"))
        print("empty", get("http://nobody/"))
        """;

    [Fact]
    public async Task PodToService_DnsAndClusterIp_ReachReadyEndpoints()
    {
        await using var cluster = await TestCluster.StartAsync(processRuntime: true);
        var kubectl = Support.Kubectl.For(cluster.Host.KubeconfigPath);
        var applied = await kubectl.RunWithStdinAsync(Store, "apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.ToString());
        await kubectl.OkAsync("rollout", "status", "deployment/store", "--timeout=25s");
        var endpoints = await cluster.EventuallyAsync(
            () => cluster.Client.CoreV1.ReadNamespacedEndpointsAsync("store-headless", "default"),
            e => e.Subsets?.SingleOrDefault()?.Addresses?.Count == 2,
            "two ready store endpoints").DefaultTimeout();
        var service = await cluster.Client.CoreV1.ReadNamespacedServiceAsync("store", "default").DefaultTimeout();

        await cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "client" },
            Spec = new V1PodSpec
            {
                RestartPolicy = "Never",
                Containers = [new V1Container { Name = "main", Image = "python", Command = ["python3", "-c", Client] }],
            },
        }, "default").DefaultTimeout();
        var done = await cluster.EventuallyAsync(
            () => cluster.Client.CoreV1.ReadNamespacedPodAsync("client", "default"),
            p => p.Status?.Phase is "Succeeded" or "Failed",
            "the client to finish").DefaultTimeout();
        var logs = await kubectl.OkAsync("logs", "client");

        var podIps = string.Join(',', endpoints.Subsets.Single().Addresses.Select(a => a.Ip).Order(StringComparer.Ordinal));
        var ip = service.Spec.ClusterIP;
        Assert.True(done.Status.Phase == "Succeeded", logs);
        Assert.StartsWith("10.96.", ip, StringComparison.Ordinal);
        Assert.Equal(
            "resolv search default.svc.cluster.local svc.cluster.local cluster.local | nameserver 10.96.0.10 | options ndots:5\n" +
            $"a {ip} {ip} {ip}\n" +
            $"headless {podIps}\n" +
            "missing nxdomain nxdomain\n" +
            "http visits-7 visits-7\n" +
            "empty refused\n",
            logs);
    }

    private const string SelfServing = """
        import http.server, threading, urllib.request
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b"client-self"
                self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("0.0.0.0", 80), H)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        print("own", urllib.request.urlopen("http://127.0.0.1:80/", timeout=5).read().decode())
        print("store", urllib.request.urlopen("http://store/", timeout=5).read().decode().strip())
        """;

    [Fact]
    public async Task PodServingTheServicesPort_ReachesTheServiceNotItself()
    {
        await using var cluster = await TestCluster.StartAsync(processRuntime: true);
        var kubectl = Support.Kubectl.For(cluster.Host.KubeconfigPath);
        var applied = await kubectl.RunWithStdinAsync(Store, "apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.ToString());
        await kubectl.OkAsync("rollout", "status", "deployment/store", "--timeout=25s");

        // The client serves port 80 on every address itself, and Service store is port 80 too.
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "self" },
            Spec = new V1PodSpec
            {
                RestartPolicy = "Never",
                Containers = [new V1Container { Name = "main", Image = "python", Command = ["python3", "-c", SelfServing], Ports = [new V1ContainerPort { ContainerPort = 80 }] }],
            },
        }, "default").DefaultTimeout();
        var done = await cluster.EventuallyAsync(
            () => cluster.Client.CoreV1.ReadNamespacedPodAsync("self", "default"),
            p => p.Status?.Phase is "Succeeded" or "Failed",
            "the client to finish").DefaultTimeout();
        var logs = await kubectl.OkAsync("logs", "self");

        Assert.True(done.Status.Phase == "Succeeded", logs);
        Assert.Equal("own client-self\nstore visits-7\n", logs);
    }

    private const string Counter = """
        import socket, urllib.request
        def get(url):
            try:
                return urllib.request.urlopen(url, timeout=5).read().decode().strip()
            except OSError as e:
                return "refused"
        listening = [l for l in open("/proc/net/tcp").read().splitlines()[1:] if l.split()[3] == "0A"]
        print("listeners", len(listening))
        print("last", get("http://extra-29/"))
        print("other-port", get("http://extra-0:81/"))
        """;

    [Fact]
    public async Task ManyServices_PodNamespaceHoldsOneProxyListener_EveryClusterIpStillServed()
    {
        await using var cluster = await TestCluster.StartAsync(processRuntime: true);
        var kubectl = Support.Kubectl.For(cluster.Host.KubeconfigPath);
        var applied = await kubectl.RunWithStdinAsync(Store, "apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.ToString());
        await kubectl.OkAsync("rollout", "status", "deployment/store", "--timeout=25s");
        var extra = string.Join("---\n", Enumerable.Range(0, 30).Select(i => $$"""
            apiVersion: v1
            kind: Service
            metadata: { name: extra-{{i}} }
            spec:
              selector: { app: store }
              ports: [{ port: 80, targetPort: http }]

            """));
        applied = await kubectl.RunWithStdinAsync(extra, "apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.ToString());
        await cluster.EventuallyAsync(
            () => cluster.Client.CoreV1.ReadNamespacedEndpointsAsync("extra-29", "default"),
            e => e.Subsets?.SingleOrDefault()?.Addresses?.Count == 2,
            "two ready endpoints behind the last extra Service").DefaultTimeout();

        // A ClusterIP listener per Service in every pod grows with pods × Services; the DNAT'd proxy stays one socket.
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "counter" },
            Spec = new V1PodSpec
            {
                RestartPolicy = "Never",
                Containers = [new V1Container { Name = "main", Image = "python", Command = ["python3", "-c", Counter] }],
            },
        }, "default").DefaultTimeout();
        var done = await cluster.EventuallyAsync(
            () => cluster.Client.CoreV1.ReadNamespacedPodAsync("counter", "default"),
            p => p.Status?.Phase is "Succeeded" or "Failed",
            "the counter to finish").DefaultTimeout();
        var logs = await kubectl.OkAsync("logs", "counter");

        Assert.True(done.Status.Phase == "Succeeded", logs);
        Assert.Equal("listeners 1\nlast visits-7\nother-port refused\n", logs);
    }

    [Fact]
    public async Task ClusterIp_KeptAcrossUpdatesAndRestarts_NoneStaysHeadless()
    {
        using var state = new TempDirectory("yak-lc-");
        string allocated;
        await using (var cluster = await TestCluster.StartAsync(stateDirectory: state.Path))
        {
            var kubectl = Support.Kubectl.For(cluster.Host.KubeconfigPath);
            await kubectl.OkAsync("create", "service", "clusterip", "web", "--tcp=80:8080");
            await kubectl.OkAsync("create", "service", "clusterip", "db", "--clusterip=None");
            allocated = (await kubectl.OkAsync("get", "service", "web", "-o", "jsonpath={.spec.clusterIP}")).Trim();
            var table = await kubectl.OkAsync("get", "services");
            var headless = (await kubectl.OkAsync("get", "service", "db", "-o", "jsonpath={.spec.clusterIP}")).Trim();
            var changed = await kubectl.RunAsync("patch", "service", "web", "--type=merge", "-p", "{\"spec\":{\"clusterIP\":\"10.96.200.200\"}}");

            Assert.StartsWith("10.96.", allocated, StringComparison.Ordinal);
            Assert.NotEqual("10.96.0.10", allocated);
            Assert.Matches($@"web\s+ClusterIP\s+{allocated.Replace(".", "\\.", StringComparison.Ordinal)}\s+<none>\s+80/TCP", table);
            Assert.Equal("None", headless);
            Assert.NotEqual(0, changed.ExitCode);
            Assert.Contains("may not change once set", changed.StandardError, StringComparison.Ordinal);
        }

        await using var restarted = await TestCluster.StartAsync(stateDirectory: state.Path);
        var again = await restarted.Client.CoreV1.ReadNamespacedServiceAsync("web", "default").DefaultTimeout();
        Assert.Equal(allocated, again.Spec.ClusterIP);
    }
}
