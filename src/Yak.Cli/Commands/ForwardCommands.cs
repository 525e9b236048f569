using System.CommandLine;
using System.Globalization;
using Yak.Cli.Output;
using Yak.Client;
using Yak.Protocol.Messages;
using Yak.Protocol.Errors;

namespace Yak.Cli.Commands;

/// <summary><c>yakctl forward add|list|remove|pause|resume</c>: port-forwards owned by yakd, alive while pods come and go.</summary>
internal static class ForwardCommands
{
    public static Command Create()
    {
        var forward = new Command("forward", "Port-forwards owned by yakd: localhost ports that stay up while pods are replaced.");
        forward.Subcommands.Add(Add());
        forward.Subcommands.Add(List());
        forward.Subcommands.Add(Remove());
        forward.Subcommands.Add(Pause());
        forward.Subcommands.Add(Resume());
        return forward;
    }

    private static Command Add()
    {
        var target = new Argument<string>("target") { Description = "svc/NAME (or NAME), pod/NAME, or a selector key=value[,…]" };
        var ports = new Argument<string>("ports") { Description = "[LOCAL:]REMOTE; LOCAL defaults to REMOTE, 0 picks a free port" };
        var ns = new Option<string>("--namespace", "-n") { Description = "Namespace (default: the one of the environment of this folder, else default)." };
        var name = new Option<string>("--name") { Description = "Forward name (default: from target and port)." };
        var kubeconfig = new Option<FileInfo>("--kubeconfig") { Description = "Kubeconfig (default: the cluster of the environment of this folder, else KUBECONFIG or ~/.kube/config)." };
        var kubeContext = new Option<string>("--context") { Description = "Kubeconfig context (default: the environment's, else its current one)." };
        var env = new Option<string>("--env", "-e") { Description = "Forward into this environment's namespace, e.g. one shared with you (OWNER/ENV after 'yakctl connect')." };
        var command = new Command("add", "Forward a local port to a service or pod; it keeps listening across pod restarts and yakd restarts.");
        command.Arguments.Add(target);
        command.Arguments.Add(ports);
        command.Options.Add(ns);
        command.Options.Add(name);
        command.Options.Add(kubeconfig);
        command.Options.Add(kubeContext);
        command.Options.Add(env);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            var (local, remote) = ParsePorts(parse.GetValue(ports)!);
            await using var client = await context.ConnectAsync(cancellationToken);

            // Inside an environment's folder its cluster and namespace are the default, as for every other command.
            var told = parse.GetValue(ns) is not null || parse.GetValue(kubeconfig) is not null || parse.GetValue(kubeContext) is not null || parse.GetValue(env) is not null;
            var environment = told ? null : await FolderEnvironment.FindAsync(client, Directory.GetCurrentDirectory(), cancellationToken);
            if (environment is not null)
            {
                context.Output.Progress($"using environment {environment.Name} (namespace {environment.Namespace}); --namespace, --kubeconfig or --context say otherwise");
            }

            var info = await client.AddForwardAsync(
                new ForwardAddRequest
                {
                    Name = parse.GetValue(name) ?? string.Empty,
                    Namespace = parse.GetValue(ns) ?? string.Empty,
                    Target = parse.GetValue(target)!,
                    LocalPort = local,
                    RemotePort = remote,
                    Kubeconfig = parse.GetValue(kubeconfig)?.FullName
                        ?? (environment is null ? KubeconfigEnvironment.List() : null)
                        ?? string.Empty,
                    Context = parse.GetValue(kubeContext) ?? string.Empty,
                    Environment = parse.GetValue(env) ?? environment?.Name ?? string.Empty,
                },
                cancellationToken);
            if (context.Output.Json)
            {
                context.Output.WriteJson(info);
            }
            else
            {
                context.Output.Out.WriteLine($"{info.Name}: 127.0.0.1:{info.LocalPort} → {info.Namespace}/{info.Target}:{info.RemotePort} ({info.State.ToString().ToLowerInvariant()})");
            }

            return CliExitCodes.Success;
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List forwards: state, target pod, connections, bytes.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            await using var client = await context.ConnectAsync(cancellationToken);
            var forwards = await client.ListForwardsAsync(cancellationToken);
            if (context.Output.Json)
            {
                context.Output.WriteJson(forwards);
                return CliExitCodes.Success;
            }

            if (forwards.Count == 0)
            {
                context.Output.Out.WriteLine("No forwards. Add one with 'yakctl forward add svc/NAME [LOCAL:]REMOTE'.");
                return CliExitCodes.Success;
            }

            string[] header = ["NAME", "LOCAL", "TARGET", "STATE", "POD", "CONN", "IN", "OUT", "ERROR"];
            var rows = forwards.Select(f => new[]
            {
                f.Name, f.LocalPort.ToString(CultureInfo.InvariantCulture), $"{f.Namespace}/{f.Target}:{f.RemotePort}", f.State.ToString().ToLowerInvariant(),
                f.TargetPod ?? "-", $"{f.OpenConnections}/{f.TotalConnections}", SyncText.Bytes(f.BytesIn), SyncText.Bytes(f.BytesOut), f.Reason is not null ? SyncText.Coded(f.ReasonCode, f.Reason) : SyncText.Coded(f.LastErrorCode, f.LastError),
            }).ToList();
            var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
            foreach (var row in rows.Prepend(header))
            {
                context.Output.Out.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
            }

            return CliExitCodes.Success;
        });
        return command;
    }

    private static Command Remove()
    {
        var name = new Argument<string>("name") { Description = "The forward to stop (frees its local port)." };
        var command = new Command("remove", "Stop a forward and free its local port.");
        command.Arguments.Add(name);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            await using var client = await context.ConnectAsync(cancellationToken);
            var removed = await client.RemoveForwardAsync(parse.GetValue(name)!, cancellationToken);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new ForwardRemovedOutput(removed.Name));
            }
            else
            {
                context.Output.Out.WriteLine($"removed {removed.Name}");
            }

            return CliExitCodes.Success;
        });
        return command;
    }

    private static Command Pause()
    {
        var name = new Argument<string>("name") { Description = "The forward to pause (an environment's too)." };
        var command = new Command("pause", "Release a forward's local port and keep the forward, paused, until 'forward resume' (it stays paused across yakd restarts and 'up').");
        command.Arguments.Add(name);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            await using var client = await context.ConnectAsync(cancellationToken);
            var info = await client.PauseForwardAsync(parse.GetValue(name)!, cancellationToken);
            return Report(context, info, $"paused {info.Name}: localhost:{info.LocalPort} released ('yakctl forward resume {info.Name}' takes it back)");
        });
        return command;
    }

    private static Command Resume()
    {
        var name = new Argument<string>("name") { Description = "The paused forward to resume." };
        var command = new Command("resume", "Listen again on a paused forward's local port.");
        command.Arguments.Add(name);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            await using var client = await context.ConnectAsync(cancellationToken);
            var info = await client.ResumeForwardAsync(parse.GetValue(name)!, cancellationToken);
            return Report(context, info, $"resumed {info.Name}: localhost:{info.LocalPort} → {info.Target}:{info.RemotePort} ({info.State.ToString().ToLowerInvariant()})");
        });
        return command;
    }

    private static int Report(CliContext context, ForwardInfo info, string text)
    {
        if (context.Output.Json)
        {
            context.Output.WriteJson(info);
        }
        else
        {
            context.Output.Out.WriteLine(text);
        }

        return CliExitCodes.Success;
    }

    /// <summary><c>8080</c> → (8080, 8080); <c>9000:80</c> → (9000, 80).</summary>
    internal static (int Local, int Remote) ParsePorts(string text)
    {
        var parts = text.Split(':');
        if (parts.Length is < 1 or > 2 || !parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= 65535))
        {
            throw new CliException($"'{text}' is not [LOCAL:]REMOTE (ports 0-65535, REMOTE ≥ 1).", YakErrors.Usage, CliExitCodes.Usage);
        }

        var remote = int.Parse(parts[^1], CultureInfo.InvariantCulture);
        var local = parts.Length == 2 ? int.Parse(parts[0], CultureInfo.InvariantCulture) : remote;
        return remote >= 1 ? (local, remote) : throw new CliException($"'{text}': the remote port must be 1-65535.", YakErrors.Usage, CliExitCodes.Usage);
    }
}
