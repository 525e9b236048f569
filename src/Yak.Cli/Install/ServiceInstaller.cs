using System.Diagnostics;
using Yak.Client;
using Yak.Protocol.Transport;
using Yak.Protocol.Errors;

namespace Yak.Cli.Install;

internal enum InitSystem
{
    Auto,
    Systemd,
    Launchd,
}

/// <summary>Files to write or remove and commands to run; printed by <c>--dry-run</c>, carried out otherwise.</summary>
internal sealed record InstallPlan(InitSystem InitSystem, IReadOnlyList<(string Path, string Content)> Files, IReadOnlyList<string> Removals, IReadOnlyList<string[]> Commands);

/// <summary>Installs yakd as a systemd user service (socket-activated) or a launchd LaunchAgent.</summary>
internal static class ServiceInstaller
{
    public static InitSystem Detect(InitSystem requested) => requested != InitSystem.Auto
        ? requested
        : OperatingSystem.IsMacOS() ? InitSystem.Launchd
        : OperatingSystem.IsLinux() ? InitSystem.Systemd
        : throw new CliException("Autostart install is supported with systemd (Linux) and launchd (macOS); on Windows yakctl starts yakd on demand.", YakErrors.AutostartFailed);

    public static InstallPlan PlanInstall(InitSystem initSystem, DaemonEndpoint endpoint, Func<string, string?> getVariable)
    {
        var (fileName, arguments) = DaemonLocator.Resolve();
        fileName = Path.GetFullPath(fileName.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal) ? fileName : Which(fileName) ?? fileName);
        return initSystem switch
        {
            InitSystem.Systemd => new InstallPlan(
                initSystem,
                [
                    (Path.Combine(SystemdUserDirectory(getVariable), ServiceDefinitions.ServiceUnitName), ServiceDefinitions.SystemdService(fileName, arguments)),
                    (Path.Combine(SystemdUserDirectory(getVariable), ServiceDefinitions.SocketUnitName), ServiceDefinitions.SystemdSocket()),
                ],
                [],
                [
                    ["systemctl", "--user", "daemon-reload"],
                    ["systemctl", "--user", "enable", "--now", ServiceDefinitions.SocketUnitName],
                ]),
            InitSystem.Launchd => new InstallPlan(
                initSystem,
                [(LaunchAgentPath(getVariable), ServiceDefinitions.LaunchAgent(fileName, arguments, getVariable("PATH") ?? "/usr/bin:/bin", endpoint.LogDirectory))],
                [],
                [["launchctl", "bootstrap", $"gui/{CurrentUser.EffectiveUserId}", LaunchAgentPath(getVariable)]]),
            _ => throw new ArgumentOutOfRangeException(nameof(initSystem)),
        };
    }

    public static InstallPlan PlanUninstall(InitSystem initSystem, Func<string, string?> getVariable) => initSystem switch
    {
        InitSystem.Systemd => new InstallPlan(
            initSystem,
            [],
            [Path.Combine(SystemdUserDirectory(getVariable), ServiceDefinitions.ServiceUnitName), Path.Combine(SystemdUserDirectory(getVariable), ServiceDefinitions.SocketUnitName)],
            [
                ["systemctl", "--user", "disable", "--now", ServiceDefinitions.SocketUnitName, ServiceDefinitions.ServiceUnitName],
                ["systemctl", "--user", "daemon-reload"],
            ]),
        InitSystem.Launchd => new InstallPlan(
            initSystem,
            [],
            [LaunchAgentPath(getVariable)],
            [["launchctl", "bootout", $"gui/{CurrentUser.EffectiveUserId}/{ServiceDefinitions.LaunchAgentLabel}"]]),
        _ => throw new ArgumentOutOfRangeException(nameof(initSystem)),
    };

    /// <summary>Writes, removes and runs what the plan says; the first failing command stops it with its output.</summary>
    public static async Task ExecuteAsync(InstallPlan plan, bool uninstall, TextWriter log, CancellationToken cancellationToken)
    {
        if (uninstall)
        {
            // Disable first (the unit files must still exist for systemctl to find them), then remove.
            await RunAllAsync(plan, log, tolerateFailure: true, cancellationToken).ConfigureAwait(false);
            foreach (var path in plan.Removals.Where(File.Exists))
            {
                File.Delete(path);
                await log.WriteLineAsync($"removed {path}").ConfigureAwait(false);
            }

            return;
        }

        foreach (var (path, content) in plan.Files)
        {
            PrivateFiles.CreateDirectory(Path.GetDirectoryName(path)!);
            await PrivateFiles.WriteAtomicAsync(path, System.Text.Encoding.UTF8.GetBytes(content), cancellationToken).ConfigureAwait(false);
            await log.WriteLineAsync($"wrote {path}").ConfigureAwait(false);
        }

        await RunAllAsync(plan, log, tolerateFailure: false, cancellationToken).ConfigureAwait(false);
    }

    private static async Task RunAllAsync(InstallPlan plan, TextWriter log, bool tolerateFailure, CancellationToken cancellationToken)
    {
        foreach (var command in plan.Commands)
        {
            await log.WriteLineAsync($"$ {string.Join(' ', command)}").ConfigureAwait(false);
            var info = new ProcessStartInfo(command[0]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in command.Skip(1))
            {
                info.ArgumentList.Add(argument);
            }

            Process process;
            try
            {
                process = Process.Start(info)!;
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                if (tolerateFailure)
                {
                    continue;
                }

                throw new CliException($"Could not run {command[0]}: {ex.Message}", YakErrors.AutostartFailed);
            }

            using (process)
            {
                var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
                var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                if (process.ExitCode != 0 && !tolerateFailure)
                {
                    throw new CliException(
                        $"'{string.Join(' ', command)}' failed with exit code {process.ExitCode}: {(await stderr.ConfigureAwait(false)).Trim()}{(await stdout.ConfigureAwait(false)).Trim()}\n" +
                        (plan.InitSystem == InitSystem.Systemd ? "Is a systemd user instance running (loginctl enable-linger, or a desktop session)?" : "Is this a logged-in GUI session?"),
                        YakErrors.AutostartFailed);
                }
            }
        }
    }

    private static string SystemdUserDirectory(Func<string, string?> getVariable) =>
        Path.Combine(getVariable("XDG_CONFIG_HOME") is { Length: > 0 } c && Path.IsPathRooted(c) ? c : Path.Combine(Home(getVariable), ".config"), "systemd", "user");

    private static string LaunchAgentPath(Func<string, string?> getVariable) =>
        Path.Combine(Home(getVariable), "Library", "LaunchAgents", ServiceDefinitions.LaunchAgentLabel + ".plist");

    private static string Home(Func<string, string?> getVariable) =>
        getVariable("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
}
