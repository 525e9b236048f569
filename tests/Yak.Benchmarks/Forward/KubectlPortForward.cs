using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Yak.Benchmarks.Forward;

/// <summary>The baseline: the real <c>kubectl port-forward</c> against the same local cluster.</summary>
internal sealed partial class KubectlPortForward : IAsyncDisposable
{
    private readonly Process process;

    private KubectlPortForward(Process process, int port)
    {
        this.process = process;
        LocalPort = port;
    }

    public int LocalPort { get; }

    public static async Task<KubectlPortForward> StartAsync(string kubeconfig, string pod, int remotePort, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "port-forward", $"pod/{pod}", $":{remotePort}", "--address", "127.0.0.1" })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["KUBECONFIG"] = kubeconfig;
        var process = Process.Start(info) ?? throw new InvalidOperationException("kubectl did not start");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(30));
            while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                var match = ForwardingLine().Match(line);
                if (match.Success)
                {
                    // Keep draining stdout ("Handling connection for …" per connection) so kubectl never blocks on it.
                    _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
                    return new KubectlPortForward(process, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
                }
            }

            throw new InvalidOperationException("kubectl port-forward exited before listening");
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        process.Dispose();
    }

    [GeneratedRegex(@"Forwarding from 127\.0\.0\.1:(\d+) ->")]
    private static partial Regex ForwardingLine();
}
