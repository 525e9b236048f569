using System.CommandLine;
using System.Diagnostics;
using StreamJsonRpc;
using Yak.Cli.Output;
using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;

namespace Yak.Cli.Commands;

/// <summary><c>yakctl daemon start|stop|status|run|logs|install|uninstall</c>.</summary>
internal static class DaemonCommands
{
    public static Command Create()
    {
        var daemon = new Command("daemon", "Start, stop, inspect and install yakd, the per-user daemon.");
        daemon.Subcommands.Add(Start());
        daemon.Subcommands.Add(Stop());
        daemon.Subcommands.Add(DaemonRestartCommand.Create());
        daemon.Subcommands.Add(Status());
        daemon.Subcommands.Add(Run());
        daemon.Subcommands.Add(DaemonLogsCommand.Create());
        daemon.Subcommands.Add(DaemonInstallCommands.Install());
        daemon.Subcommands.Add(DaemonInstallCommands.Uninstall());
        return daemon;
    }

    private static Command Start()
    {
        var command = new Command("start", "Start yakd in the background if it is not running, then show its status.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            await using var client = await context.ConnectAsync(autostart: true, cancellationToken).ConfigureAwait(false);
            await PrintStatusAsync(context, client, cancellationToken).ConfigureAwait(false);
            return CliExitCodes.Success;
        });
        return command;
    }

    private static Command Status()
    {
        var command = new Command("status", "Show the daemon's pid, version, socket, log and sessions (starts it unless YAK_NO_AUTOSTART=1).");
        command.SetAction((parse, cancellationToken) => RunStatusAsync(CliApp.Context(parse), cancellationToken));
        return command;
    }

    /// <summary><c>yakctl daemon status</c>, also run by <see cref="QuickReads"/> without the command tree.</summary>
    internal static async Task<int> RunStatusAsync(CliContext context, CancellationToken cancellationToken)
    {
        // A running daemon answers without a JsonRpc being built (most of a cold status's CPU); anything else —
        // none running, an older one, a failure — goes the usual way, which starts it or says what is wrong.
        if (await SingleCall.TryInvokeAsync<StatusResponse>(context.Endpoint, CliContext.ClientName, Methods.DaemonStatus, new StatusRequest(), cancellationToken)
            .ConfigureAwait(false) is { } status)
        {
            PrintStatus(context, status);
            return CliExitCodes.Success;
        }

        await using var client = await context.ConnectAsync(cancellationToken).ConfigureAwait(false);
        await PrintStatusAsync(context, client, cancellationToken).ConfigureAwait(false);
        return CliExitCodes.Success;
    }

    private static Command Stop()
    {
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the daemon to exit.", DefaultValueFactory = _ => 15 };
        var command = new Command("stop", "Stop the running daemon gracefully (sessions are saved and resume at the next start).");
        command.Options.Add(timeout);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            DaemonClient client;
            try
            {
                client = await context.ConnectAsync(autostart: false, cancellationToken).ConfigureAwait(false);
            }
            catch (DaemonUnavailableException)
            {
                Report(context, stopped: false, pid: null, "yakd is not running");
                return CliExitCodes.Success;
            }

            int pid;
            await using (client)
            {
                pid = (await IdentifyAsync(client, context, cancellationToken).ConfigureAwait(false)).Pid;
                try
                {
                    await client.ShutdownAsync("yakctl daemon stop", cancellationToken).ConfigureAwait(false);
                }
                catch (ConnectionLostException)
                {
                    // The daemon may close the connection before the answer arrives: that is the stop we asked for.
                }
                catch (DaemonAnswerUnreadableException)
                {
                    // A yakd of another release answered in its own shape: it stops all the same.
                }

                await WaitForExitAsync(pid, client, TimeSpan.FromSeconds(parse.GetValue(timeout)), cancellationToken).ConfigureAwait(false);
            }

            Report(context, stopped: true, pid, $"yakd (pid {pid}) stopped");
            return CliExitCodes.Success;
        });
        return command;
    }

    private static Command Run()
    {
        var command = new Command("run", "Run yakd in the foreground, logging to the terminal (Ctrl+C stops it).");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (fileName, arguments) = DaemonLocator.Resolve();
            var info = new ProcessStartInfo(fileName) { UseShellExecute = false };
            foreach (var argument in arguments.Append("--foreground"))
            {
                info.ArgumentList.Add(argument);
            }

            using var process = Process.Start(info) ?? throw new CliException($"Could not start {fileName}.", YakErrors.DaemonUnavailable);

            // Ctrl+C reaches yakd too (same process group); wait for it to finish its graceful stop.
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            return process.ExitCode;
        });
        return command;
    }

    private static async Task PrintStatusAsync(CliContext context, DaemonClient client, CancellationToken cancellationToken) =>
        PrintStatus(context, await client.StatusAsync(cancellationToken).ConfigureAwait(false));

    private static void PrintStatus(CliContext context, StatusResponse status)
    {
        if (context.Output.Json)
        {
            context.Output.WriteJson(status);
        }
        else
        {
            StatusText.Write(context.Output.Out, status);
        }
    }

    private static void Report(CliContext context, bool stopped, int? pid, string text)
    {
        if (context.Output.Json)
        {
            context.Output.WriteJson(new DaemonStopOutput(stopped, pid));
        }
        else
        {
            context.Output.Out.WriteLine(text);
        }
    }

    /// <summary>
    /// The running yakd's pid and version, to stop it. From its status; when that answer cannot be read (a yakd of
    /// another release, YAK1007 — the very case stop and restart are for), from its hello and the pid file it wrote
    /// when it took the single-instance lock, which it holds while it answers.
    /// </summary>
    internal static async Task<(int Pid, string Version)> IdentifyAsync(DaemonClient client, CliContext context, CancellationToken cancellationToken)
    {
        try
        {
            var status = await client.StatusAsync(cancellationToken).ConfigureAwait(false);
            return (status.Pid, status.Version);
        }
        catch (DaemonAnswerUnreadableException ex)
        {
            const string Hint = "end the old yakd process ('pkill -u $USER -x yakd'; on Windows, Task Manager); the next yakctl command starts the installed one.";
            var pidFile = context.Endpoint.PidFilePath;
            string text;
            try
            {
                // A pid and a newline: 32 bytes are plenty, and whatever else sits there is not read further.
                await using var file = new FileStream(pidFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, useAsync: true);
                var buffer = new byte[32];
                var length = await file.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                text = System.Text.Encoding.ASCII.GetString(buffer, 0, length).Trim();
            }
            catch (Exception read) when (read is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"{ex.Message}; its pid file {pidFile} cannot be read either ({read.Message}).", YakErrors.VersionMismatch, hint: Hint);
            }

            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid) || pid <= 0)
            {
                throw new CliException($"{ex.Message}; its pid file {pidFile} holds no pid.", YakErrors.VersionMismatch, hint: Hint);
            }

            return (pid, client.Hello.DaemonVersion);
        }
    }

    internal static async Task WaitForExitAsync(int pid, DaemonClient client, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await client.Completion.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Completion faults when the daemon drops the connection: expected here.
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"yakd (pid {pid}) did not exit within {timeout.TotalSeconds:0} s; see 'yakctl daemon logs'.", YakErrors.DaemonStopTimeout);
        }
    }
}
