using System.CommandLine;
using Yak.Cli.Output;
using Yak.Client;
using Yak.Protocol.Messages;

namespace Yak.Cli.Commands;

/// <summary><c>yakctl sync create|list|status|flush|pause|resume|terminate</c>.</summary>
internal static class SyncCommands
{
    public static Command Create()
    {
        var sync = new Command("sync", "One-way sync sessions: local folder → replica (a pod's sync sidecar, or a local folder).");
        sync.Subcommands.Add(CreateSession());
        sync.Subcommands.Add(List());
        sync.Subcommands.Add(Named("status", "Show state, counters and last error of one session or all.", details: true, (c, n, t) => c.SyncStatusAsync(n, t)));
        sync.Subcommands.Add(Named("flush", "Wait until the replica equals the local tree as of now.", details: true, (c, n, t) => c.FlushSyncAsync(n, t), progress: "Flushing"));
        sync.Subcommands.Add(Named("pause", "Stop pushing (changes are still collected).", details: false, (c, n, t) => c.PauseSyncAsync(n, t)));
        sync.Subcommands.Add(Named("resume", "Resume pushing, starting with a full comparison.", details: false, (c, n, t) => c.ResumeSyncAsync(n, t)));
        sync.Subcommands.Add(Terminate());
        return sync;
    }

    private static Command CreateSession()
    {
        var local = new Argument<DirectoryInfo>("local-dir") { Description = "The folder to sync from." };
        var endpoint = new Argument<string>("endpoint") { Description = "local:/DIR, or pod:NAMESPACE/POD[/CONTAINER]:/PATH" };
        var name = new Option<string>("--name") { Description = "Session name (default: from the folder name)." };
        var exclude = new Option<string[]>("--exclude") { Description = "Ignore pattern in .gitignore syntax (repeatable).", AllowMultipleArgumentsPerToken = false };
        var kubeconfig = new Option<FileInfo>("--kubeconfig") { Description = "For pod: endpoints, the kubeconfig (default: KUBECONFIG or ~/.kube/config)." };
        var kubeContext = new Option<string>("--context") { Description = "For pod: endpoints, the kubeconfig context (default: its current one)." };
        var command = new Command("create", "Create a sync session; it starts at once and resumes whenever yakd starts.");
        command.Arguments.Add(local);
        command.Arguments.Add(endpoint);
        command.Options.Add(name);
        command.Options.Add(exclude);
        command.Options.Add(kubeconfig);
        command.Options.Add(kubeContext);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            await using var client = await context.ConnectAsync(cancellationToken);
            var session = await client.CreateSyncAsync(
                new SyncCreateRequest
                {
                    Name = parse.GetValue(name) ?? string.Empty,
                    LocalPath = parse.GetValue(local)!.FullName,
                    Endpoint = parse.GetValue(endpoint)!,
                    Excludes = parse.GetValue(exclude) ?? [],
                    Kubeconfig = parse.GetValue(kubeconfig)?.FullName ?? KubeconfigEnvironment.List() ?? string.Empty,
                    Context = parse.GetValue(kubeContext) ?? string.Empty,
                },
                cancellationToken);
            Render(context, [session], details: true);
            return CliExitCodes.Success;
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List sync sessions.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            await using var client = await context.ConnectAsync(cancellationToken);
            Render(context, await client.ListSyncAsync(cancellationToken), details: false);
            return CliExitCodes.Success;
        });
        return command;
    }

    private static Command Terminate()
    {
        var name = new Argument<string>("name") { Description = "The session to stop for good." };
        var command = new Command("terminate", "Stop a session and forget its state (the replica is left as it is).");
        command.Arguments.Add(name);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            await using var client = await context.ConnectAsync(cancellationToken);
            var response = await client.TerminateSyncAsync(parse.GetValue(name)!, cancellationToken);
            if (context.Output.Json)
            {
                context.Output.WriteJson(new SyncTerminatedOutput(response.Name));
            }
            else
            {
                context.Output.Out.WriteLine($"terminated {response.Name}");
            }

            return CliExitCodes.Success;
        });
        return command;
    }

    private static Command Named(
        string verb,
        string description,
        bool details,
        Func<DaemonClient, string, CancellationToken, Task<IReadOnlyList<SyncSessionInfo>>> call,
        string? progress = null)
    {
        var name = new Argument<string>("name") { Description = "Session name (default: every session).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command(verb, description);
        command.Arguments.Add(name);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            await using var client = await context.ConnectAsync(cancellationToken);
            var target = parse.GetValue(name) ?? string.Empty;
            if (progress is not null)
            {
                context.Output.Progress($"{progress} {(target.Length == 0 ? "every session" : target)}…");
            }

            Render(context, await call(client, target, cancellationToken), details);
            return CliExitCodes.Success;
        });
        return command;
    }

    private static void Render(CliContext context, IReadOnlyList<SyncSessionInfo> sessions, bool details)
    {
        if (context.Output.Json)
        {
            context.Output.WriteJson(sessions);
        }
        else if (details)
        {
            SyncText.Details(context.Output.Out, sessions);
        }
        else
        {
            SyncText.Table(context.Output.Out, sessions);
        }
    }
}
