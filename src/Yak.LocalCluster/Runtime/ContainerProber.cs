using System.Globalization;
using System.Net.Sockets;
using k8s.Models;

namespace Yak.LocalCluster.Runtime;

/// <summary>
/// Readiness and liveness probes of one container run (exec in the container's namespaces; tcpSocket and httpGet
/// from inside the pod's network namespace), with the Kubernetes defaults: period 10 s, timeout 1 s, success
/// threshold 1, failure threshold 3. Readiness drives <c>ready</c>; a failed liveness probe kills the process so the
/// restart policy applies. Without a readiness probe a running container is ready.
/// </summary>
internal static class ContainerProber
{
    public static async Task RunAsync(ContainerRunner runner, PodContext pod, CancellationToken cancellationToken)
    {
        var readiness = runner.Spec.ReadinessProbe;
        var liveness = runner.Spec.LivenessProbe;
        if (runner.Spec.StartupProbe is { } startup)
        {
            // Nothing else is probed until the startup probe succeeds once; failing it kills the container.
            using var started = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                await LoopAsync(startup, runner, pod, ok =>
                {
                    if (ok)
                    {
                        started.Cancel();
                    }
                    else
                    {
                        runner.Kill();
                    }
                }, started.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (readiness is null)
        {
            runner.SetReady(true);
        }

        var loops = new List<Task>();
        if (readiness is not null)
        {
            loops.Add(LoopAsync(readiness, runner, pod, runner.SetReady, cancellationToken));
        }

        if (liveness is not null)
        {
            loops.Add(LoopAsync(liveness, runner, pod, alive => { if (!alive) { runner.Kill(); } }, cancellationToken));
        }

        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task LoopAsync(V1Probe probe, ContainerRunner runner, PodContext pod, Action<bool> report, CancellationToken cancellationToken)
    {
        var period = TimeSpan.FromSeconds(Math.Max(1, probe.PeriodSeconds ?? 10));
        var timeout = TimeSpan.FromSeconds(Math.Max(1, probe.TimeoutSeconds ?? 1));
        var successThreshold = Math.Max(1, probe.SuccessThreshold ?? 1);
        var failureThreshold = Math.Max(1, probe.FailureThreshold ?? 3);
        await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, probe.InitialDelaySeconds ?? 0)), cancellationToken).ConfigureAwait(false);
        int successes = 0, failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(timeout);
            bool ok;
            try
            {
                ok = await ProbeOnceAsync(probe, runner, pod, attempt.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or HttpRequestException or InvalidOperationException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ok = false;
            }

            (successes, failures) = ok ? (successes + 1, 0) : (0, failures + 1);
            if (successes >= successThreshold)
            {
                report(true);
            }
            else if (failures >= failureThreshold)
            {
                report(false);
                failures = 0;
            }

            await Task.Delay(period, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<bool> ProbeOnceAsync(V1Probe probe, ContainerRunner runner, PodContext pod, CancellationToken cancellationToken)
    {
        if (probe.Exec?.Command is { Count: > 0 } command)
        {
            var launch = runner.BuildExec([.. command], tty: false);
            if (launch is null)
            {
                return false;
            }

            using var probeProcess = LocalProcess.Start(launch, tty: false, (_, _) => ValueTask.CompletedTask);
            probeProcess.CloseStdin();
            try
            {
                return await probeProcess.Exited.WaitAsync(cancellationToken).ConfigureAwait(false) == 0;
            }
            catch (OperationCanceledException)
            {
                probeProcess.Signal(LinuxNative.SigKill);
                throw;
            }
        }

        if (probe.TcpSocket is { } tcp)
        {
            using var socket = await PodSocket.ConnectAsync(pod.Sandbox, tcp.Host ?? "127.0.0.1", ResolvePort(tcp.Port, runner.Spec), cancellationToken).ConfigureAwait(false);
            return true;
        }

        if (probe.HttpGet is { } http)
        {
            var port = ResolvePort(http.Port, runner.Spec);
            using var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) => new NetworkStream(await PodSocket.ConnectAsync(pod.Sandbox, http.Host ?? "127.0.0.1", port, ct).ConfigureAwait(false), ownsSocket: true),
                // As the kubelet: an https probe does not verify the certificate.
                SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
            };
            using var client = new HttpClient(handler);
            var scheme = string.Equals(http.Scheme, "HTTPS", StringComparison.OrdinalIgnoreCase) ? "https" : "http";
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{scheme}://{http.Host ?? "127.0.0.1"}:{port.ToString(CultureInfo.InvariantCulture)}{http.Path ?? "/"}");
            foreach (var header in http.HttpHeaders ?? [])
            {
                request.Headers.TryAddWithoutValidation(header.Name, header.Value);
            }

            request.Headers.UserAgent.ParseAdd("kube-probe/1.32");
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            return code is >= 200 and < 400;
        }

        return false;
    }

    internal static int ResolvePort(IntOrString port, V1Container container)
    {
        var value = port.Value;
        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        return container.Ports?.FirstOrDefault(p => p.Name == value)?.ContainerPort
            ?? throw new InvalidOperationException($"container {container.Name} has no port named {value}");
    }
}
