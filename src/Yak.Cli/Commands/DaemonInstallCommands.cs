using System.CommandLine;
using Yak.Cli.Output;
using Yak.Cli.Install;
using Yak.Client;

namespace Yak.Cli.Commands;

/// <summary><c>yakctl daemon install|uninstall [--dry-run]</c>: autostart with systemd (socket activation) or launchd.</summary>
internal static class DaemonInstallCommands
{
    private static readonly Option<bool> DryRun = new("--dry-run") { Description = "Print the files and commands without touching anything." };

    private static readonly Option<InitSystem> InitSystemOption = new("--init-system")
    {
        Description = "systemd or launchd (default: the one this platform uses).",
        DefaultValueFactory = _ => InitSystem.Auto,
    };

    public static Command Install()
    {
        var command = new Command("install", "Start yakd automatically at login: a systemd user socket+service, or a launchd LaunchAgent.");
        command.Options.Add(DryRun);
        command.Options.Add(InitSystemOption);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            var plan = ServiceInstaller.PlanInstall(ServiceInstaller.Detect(parse.GetValue(InitSystemOption)), context.Endpoint, Environment.GetEnvironmentVariable);
            if (parse.GetValue(DryRun))
            {
                Print(context, plan, install: true);
                return CliExitCodes.Success;
            }

            // A yakd started by hand holds the socket path the socket unit wants: stop it first.
            try
            {
                await using var running = await context.ConnectAsync(autostart: false, cancellationToken).ConfigureAwait(false);
                context.Output.Progress("Stopping the running yakd so the service manager can own it…");
                await running.ShutdownAsync("yakctl daemon install", cancellationToken).ConfigureAwait(false);
            }
            catch (DaemonUnavailableException)
            {
            }
            catch (StreamJsonRpc.ConnectionLostException)
            {
            }

            await ServiceInstaller.ExecuteAsync(plan, uninstall: false, context.Output.Error, cancellationToken).ConfigureAwait(false);
            Done(context, plan, installed: true);
            return CliExitCodes.Success;
        });
        return command;
    }

    public static Command Uninstall()
    {
        var command = new Command("uninstall", "Stop starting yakd at login and remove the unit files or LaunchAgent.");
        command.Options.Add(DryRun);
        command.Options.Add(InitSystemOption);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            var plan = ServiceInstaller.PlanUninstall(ServiceInstaller.Detect(parse.GetValue(InitSystemOption)), Environment.GetEnvironmentVariable);
            if (parse.GetValue(DryRun))
            {
                Print(context, plan, install: false);
                return CliExitCodes.Success;
            }

            await ServiceInstaller.ExecuteAsync(plan, uninstall: true, context.Output.Error, cancellationToken).ConfigureAwait(false);
            Done(context, plan, installed: false);
            return CliExitCodes.Success;
        });
        return command;
    }

    private static void Print(CliContext context, InstallPlan plan, bool install)
    {
        if (context.Output.Json)
        {
            context.Output.WriteJson(new InstallPlanOutput(
                plan.InitSystem.ToString().ToLowerInvariant(),
                DryRun: true,
                [.. plan.Files.Select(f => new InstallPlanOutput.File(f.Path, f.Content))],
                plan.Removals,
                plan.Commands));
            return;
        }

        var output = context.Output.Out;
        output.WriteLine($"# {(install ? "install" : "uninstall")} for {plan.InitSystem.ToString().ToLowerInvariant()} (dry run: nothing was changed)");
        foreach (var (path, content) in plan.Files)
        {
            output.WriteLine($"# would write {path}:");
            output.WriteLine(content.TrimEnd());
        }

        foreach (var path in plan.Removals)
        {
            output.WriteLine($"# would remove {path}");
        }

        foreach (var command in plan.Commands)
        {
            output.WriteLine($"# would run: {string.Join(' ', command)}");
        }
    }

    private static void Done(CliContext context, InstallPlan plan, bool installed)
    {
        if (context.Output.Json)
        {
            context.Output.WriteJson(new InstallDoneOutput(plan.InitSystem.ToString().ToLowerInvariant(), installed));
        }
        else
        {
            context.Output.Out.WriteLine(installed
                ? $"yakd installed for {plan.InitSystem.ToString().ToLowerInvariant()}; it starts at login and on the first connection."
                : $"yakd no longer starts with {plan.InitSystem.ToString().ToLowerInvariant()}.");
        }
    }
}
