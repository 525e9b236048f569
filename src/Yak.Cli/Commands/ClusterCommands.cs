using System.CommandLine;
using Yak.Cli.Output;
using Yak.Client;

namespace Yak.Cli.Commands;

/// <summary><c>yakctl cluster local start|stop|status</c>: the local cluster (yak-local-cluster) in the background.</summary>
internal static class ClusterCommands
{
    public static Command Create()
    {
        var local = new Command("local", "The local cluster: a Kubernetes-API-compatible server that runs pods as local processes (it is not Kubernetes).");
        local.Subcommands.Add(Start());
        local.Subcommands.Add(Stop());
        local.Subcommands.Add(Status());
        var cluster = new Command("cluster", "Clusters yak deploys environments to.");
        cluster.Subcommands.Add(local);
        return cluster;
    }

    private static Command Start()
    {
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (default: a free one).", DefaultValueFactory = _ => 0 };
        var command = new Command("start", "Start the local cluster in the background (if it is not running) and print its server and kubeconfig.");
        command.Options.Add(port);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            var (state, started) = await LocalClusterLauncher.Default.EnsureStartedAsync(parse.GetValue(port), cancellationToken);
            Render(context, state, started ? "started" : "running");
            return CliExitCodes.Success;
        });
        return command;
    }

    private static Command Stop()
    {
        var command = new Command("stop", "Stop the local cluster (its objects and volumes stay in its state folder).");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            var state = await LocalClusterLauncher.Default.StopAsync(cancellationToken);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new ClusterStoppedOutput(state is null ? "notRunning" : "stopped", state?.Pid));
            }
            else
            {
                context.Output.Out.WriteLine(state is null ? "local cluster: not running" : $"local cluster: stopped (pid {state.Pid})");
            }

            return CliExitCodes.Success;
        });
        return command;
    }

    private static Command Status()
    {
        var command = new Command("status", "Show whether the local cluster runs, its server and kubeconfig. Exit code 1 when it does not run.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            var launcher = LocalClusterLauncher.Default;
            var state = await launcher.StatusAsync(cancellationToken);
            if (state is null)
            {
                if (context.Output.Json)
                {
                    context.Output.WriteJson(new ClusterNotRunningOutput("notRunning", launcher.StateDirectory));
                }
                else
                {
                    context.Output.Out.WriteLine("local cluster: not running (start it with 'yakctl cluster local start')");
                }

                return CliExitCodes.Failure;
            }

            Render(context, state, "running");
            return CliExitCodes.Success;
        });
        return command;
    }

    private static void Render(CliContext context, LocalClusterState state, string status)
    {
        if (context.Output.Json)
        {
            context.Output.WriteJson(new ClusterOutput(status, state.Server, state.Kubeconfig, state.Context, state.Pid, state.StateDirectory, state.LogPath));
            return;
        }

        var w = context.Output.Out;
        w.WriteLine($"local cluster: {status} (pid {state.Pid}) — not Kubernetes: pods run as local processes");
        w.WriteLine($"  server      {state.Server}");
        w.WriteLine($"  kubeconfig  {state.Kubeconfig}  (context {state.Context})");
        w.WriteLine($"  state       {state.StateDirectory}");
        w.WriteLine($"  log         {state.LogPath}");
        w.WriteLine($"  try         kubectl --kubeconfig {state.Kubeconfig} get pods -A");
    }
}
