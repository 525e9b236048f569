using System.Globalization;
using System.Text.Json.Nodes;

namespace Yak.LocalCluster.Hosting;

/// <summary>
/// <c>yak-local-cluster --port N --state-dir DIR --kubeconfig PATH</c>: prints one JSON line once listening, stops on
/// SIGTERM. <c>yak-local-cluster user add NAME ...</c>: see <see cref="UserCommand"/>.
/// </summary>
public static class ClusterCommandLine
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is ["user", ..])
        {
            return await UserCommand.RunAsync(args[1..]);
        }

        int port = 0;
        string? stateDir = null;
        string? kubeconfig = null;
        var nodes = new List<Scheduling.NodeOptions>();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--port":
                        port = int.Parse(Next(), NumberStyles.None, CultureInfo.InvariantCulture);
                        break;
                    case "--state-dir":
                        stateDir = Next();
                        break;
                    case "--kubeconfig":
                        kubeconfig = Next();
                        break;
                    case "--node":
                        nodes.Add(Scheduling.NodeOptions.Parse(Next()));
                        break;
                    case "--help" or "-h":
                        await Console.Out.WriteLineAsync(Usage);
                        return 0;
                    default:
                        throw new ArgumentException($"unknown option {args[i]}");
                }
            }
            catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
            {
                await Console.Error.WriteLineAsync($"yak-local-cluster: {e.Message}\n{Usage}");
                return 2;
            }
        }

        stateDir ??= DefaultStateDirectory();
        await using var host = await LocalClusterHost.StartAsync(new LocalClusterOptions
        {
            StateDirectory = stateDir,
            Port = port,
            KubeconfigPath = kubeconfig,
            Nodes = nodes.Count > 0 ? nodes : [Scheduling.NodeOptions.Default],
            ConsoleLogging = true,
        });
        var ready = new JsonObject
        {
            ["server"] = host.Server.GetLeftPart(UriPartial.Authority),
            ["kubeconfig"] = host.KubeconfigPath,
            ["pid"] = Environment.ProcessId,
        };
        await Console.Out.WriteLineAsync(ready.ToJsonString());
        await Console.Out.FlushAsync();
        await host.WaitForShutdownAsync();
        return 0;
    }

    /// <summary><c>$XDG_STATE_HOME/yak/local-cluster</c>, else <c>~/.local/state/yak/local-cluster</c> (yak's state home, see DESIGN.md).</summary>
    public static string DefaultStateDirectory()
    {
        var stateHome = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(stateHome))
        {
            stateHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }

        return Path.Combine(stateHome, "yak", "local-cluster");
    }

    private const string Usage =
        "usage: yak-local-cluster [--port N] [--state-dir DIR] [--kubeconfig PATH] [--node NAME[:ZONE]]...\n" +
        "       yak-local-cluster user add NAME --kubeconfig PATH [--group GROUP]... [--state-dir DIR]\n" +
        "A Kubernetes-API-compatible local cluster that runs pods as local processes. It is not Kubernetes.\n" +
        "It serves HTTPS on 127.0.0.1 only; every request needs a user's bearer token (in the written kubeconfig).";
}
