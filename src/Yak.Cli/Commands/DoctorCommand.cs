using System.CommandLine;
using Yak.Cli.Doctor;
using Yak.Cli.Output;
using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;

namespace Yak.Cli.Commands;

/// <summary>
/// <c>yakctl doctor</c>: pass/warn/fail checks, each failure with its code and fix. yakctl checks what must work
/// without yakd (folders and socket, yakd itself, the local cluster's state); yakd checks what needs its state
/// (<c>daemon/doctor</c>: clusters, inotify budget, free space, the folder's declared ports). Exit code 1 when a
/// check fails.
/// </summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var file = new Option<string>("--file", "-f") { Description = "The folder (or yak.yaml) whose declared local ports to check (default: the current folder)." };
        var command = new Command("doctor", "Check yakd, its folders, the clusters, the inotify budget, free space and declared ports; each problem with its fix.") { file };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            var folder = Path.GetFullPath(parse.GetValue(file) ?? Directory.GetCurrentDirectory());

            // yakd first: starting it creates the socket and folders the next checks look at.
            var (client, daemon) = await LocalChecks.DaemonAsync(context, cancellationToken).ConfigureAwait(false);
            var checks = new List<DoctorCheckInfo>(daemon)
            {
                LocalChecks.PrivateFolder("socket folder", context.Endpoint.SocketDirectory),
                LocalChecks.Socket(context.Endpoint.SocketPath),
                LocalChecks.PrivateFolder("state folder", context.Endpoint.StateDirectory),
                LocalChecks.PrivateFolder("config folder", context.Endpoint.ConfigDirectory),
            };

            var launcher = new LocalClusterLauncher(Path.Combine(context.Endpoint.StateDirectory, "local-cluster"));
            var local = await launcher.StatusAsync(cancellationToken).ConfigureAwait(false);
            if (local is null && Directory.Exists(launcher.StateDirectory))
            {
                checks.Add(LocalChecks.Warn("local cluster", $"not running (its state is in {launcher.StateDirectory})", YakErrors.LocalClusterUnhealthy));
            }

            if (client is not null)
            {
                await using (client.ConfigureAwait(false))
                {
                    if (client.Hello.Capabilities.Contains(Capabilities.Doctor))
                    {
                        // Each cluster gets a few seconds: say what is being waited for.
                        context.Output.Progress("checking clusters, inotify budget, free space and declared ports in yakd…");
                        var response = await client.DoctorAsync(new DoctorRequest { Folder = folder, LocalClusterKubeconfig = local?.Kubeconfig ?? string.Empty }, cancellationToken).ConfigureAwait(false);
                        checks.AddRange(response.Checks);
                    }
                    else
                    {
                        checks.Add(LocalChecks.Warn("yakd checks", "this yakd is too old to check clusters, watches, disk and ports", YakErrors.VersionMismatch));
                    }
                }
            }

            var report = new DoctorReport(checks.All(c => c.Status != DoctorStatus.Fail), checks);
            if (context.Output.Json)
            {
                context.Output.WriteJson(report);
            }
            else
            {
                DoctorText.Write(context.Output.Out, checks);
            }

            return report.Healthy ? CliExitCodes.Success : CliExitCodes.Failure;
        });
        return command;
    }

    /// <summary>What <c>--output json</c> prints: healthy when no check failed (warnings allowed).</summary>
    internal sealed record DoctorReport(bool Healthy, IReadOnlyList<DoctorCheckInfo> Checks);
}
