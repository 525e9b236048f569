using System.CommandLine;
using Yak.Cli.Output;
using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;

namespace Yak.Cli.Commands;

/// <summary><c>yakctl up|down|status|update|move</c>: environments from a yak.yaml or docker-compose.yml.</summary>
internal static class EnvironmentCommands
{
    public static IEnumerable<Command> Create() => [Up(), Down(), Status(), Update(), MoveCommand.Create()];

    internal static Option<string> FileOption() => new("--file", "-f") { Description = "The spec (yak.yaml or docker-compose.yml) or a folder holding one (default: the current folder)." };

    private static Command Up()
    {
        var file = FileOption();
        var local = new Option<bool>("--local") { Description = "Use the local cluster (started if it is not running)." };
        var cluster = new Option<string>("--cluster") { Description = "A cluster named in $XDG_CONFIG_HOME/yak/config.yaml (default: one with room)." };
        var timeout = TimeoutOption();
        var profile = new Option<string[]>("--profile")
        {
            Description = "A compose profile to run (repeatable; '*' for all): services with 'profiles' run only when one is given, services without always.",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("up", "Deploy the environment (or reconnect to it), watch the rollout per service, start sync and forwards.");
        command.Options.Add(file);
        command.Options.Add(local);
        command.Options.Add(cluster);
        command.Options.Add(profile);
        command.Options.Add(timeout);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            var specPath = SpecPath(parse.GetValue(file));
            var kubeconfig = string.Empty;
            var kubeContext = string.Empty;
            if (parse.GetValue(local))
            {
                var (state, started) = await LocalClusterLauncher.Default.EnsureStartedAsync(0, cancellationToken);
                context.Output.Progress(started ? $"local cluster started at {state.Server} (kubeconfig {state.Kubeconfig})" : $"local cluster at {state.Server}");
                kubeconfig = state.Kubeconfig;
                kubeContext = state.Context;
            }

            await using var client = await context.ConnectAsync(cancellationToken);
            var request = new EnvUpRequest
            {
                SpecPath = specPath,
                Cluster = parse.GetValue(cluster) ?? string.Empty,
                Kubeconfig = kubeconfig,
                Context = kubeContext,
                TimeoutSeconds = parse.GetValue(timeout),
                Profiles = parse.GetValue(profile) ?? [],
            };
            var response = await WithProgressAsync(context, client, ct => client.InvokeAsync<EnvUpResponse>(Methods.EnvUp, request, ct), cancellationToken);
            foreach (var warning in response.Warnings)
            {
                context.Output.Error.WriteLine($"warning: {warning}");
            }

            return Finish(context, response.Environment, response);
        });
        return command;
    }

    private static Command Update()
    {
        var file = FileOption();
        var services = new Argument<string[]>("service") { Description = "Services to update (default: every service).", Arity = ArgumentArity.ZeroOrMore };
        var timeout = TimeoutOption();
        var command = new Command("update", "Fetch fresh images: resolve each tag to its digest at the registry and roll only the services whose image changed (or restart with imagePullPolicy: Always when the registry does not answer yakd), with progress.");
        command.Arguments.Add(services);
        command.Options.Add(file);
        command.Options.Add(timeout);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            await using var client = await context.ConnectAsync(cancellationToken);
            var request = new EnvUpdateRequest { Name = string.Empty, SpecPath = SpecPath(parse.GetValue(file)), Services = parse.GetValue(services) ?? [], TimeoutSeconds = parse.GetValue(timeout) };
            var response = await WithProgressAsync(context, client, ct => client.InvokeAsync<EnvUpdateResponse>(Methods.EnvUpdate, request, ct), cancellationToken);
            if (!context.Output.Json)
            {
                EnvironmentText.ImageSummary(context.Output.Out, response.Images);
            }

            return Finish(context, response.Environment, response);
        });
        return command;
    }

    private static Command Down()
    {
        var file = FileOption();
        var purge = new Option<bool>("--purge") { Description = "Delete the namespace and everything in it, volumes too." };
        var name = new Option<string>("--name") { Description = "The environment's name (default: the one of the spec)." };
        var command = new Command("down", "Scale the environment to zero (volumes are kept), or delete it with --purge.");
        command.Options.Add(file);
        command.Options.Add(purge);
        command.Options.Add(name);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            await using var client = await context.ConnectAsync(cancellationToken);
            var envName = parse.GetValue(name) ?? string.Empty;
            var response = await client.InvokeAsync<EnvDownResponse>(
                Methods.EnvDown,
                new EnvDownRequest { Name = envName, SpecPath = envName.Length > 0 ? string.Empty : SpecPath(parse.GetValue(file)), Purge = parse.GetValue(purge) },
                cancellationToken);
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
            }
            else
            {
                context.Output.Out.WriteLine(response.Purged
                    ? $"{response.Name}: namespace {response.Namespace} deleted"
                    : $"{response.Name}: scaled to zero (volumes kept in {response.Namespace}); 'yakctl up' brings it back");
            }

            return CliExitCodes.Success;
        });
        return command;
    }

    private static Command Status()
    {
        var file = new Option<string>("--file", "-f") { Description = "Only the environment of this spec." };
        var name = new Argument<string>("name") { Description = "Only this environment (default: every environment).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("status", "Environments: services, pods, sync sessions and ports.");
        command.Arguments.Add(name);
        command.Options.Add(file);
        command.SetAction((parse, cancellationToken) => RunStatusAsync(CliApp.Context(parse), parse.GetValue(name), parse.GetValue(file), cancellationToken));
        return command;
    }

    /// <summary><c>yakctl status [NAME] [-f SPEC]</c>, also run by <see cref="QuickReads"/> without the command tree.</summary>
    internal static async Task<int> RunStatusAsync(CliContext context, string? name, string? specFile, CancellationToken cancellationToken)
    {
        var request = new EnvStatusRequest { Name = name ?? string.Empty, SpecPath = specFile is null ? string.Empty : SpecPath(specFile) };

        // The status a user types every morning: a running daemon answers on the raw socket (no JsonRpc built);
        // anything else goes the usual way, which starts the daemon or says what is wrong.
        var response = await SingleCall.TryInvokeAsync<EnvStatusResponse>(context.Endpoint, CliContext.ClientName, Methods.EnvStatus, request, cancellationToken)
            .ConfigureAwait(false);
        if (response is null)
        {
            await using var client = await context.ConnectAsync(cancellationToken).ConfigureAwait(false);
            response = await client.InvokeAsync<EnvStatusResponse>(Methods.EnvStatus, request, cancellationToken).ConfigureAwait(false);
        }

        if (context.Output.Json)
        {
            context.Output.WriteJson(response.Environments);
        }
        else
        {
            EnvironmentText.Details(context.Output.Out, response.Environments);
        }

        return CliExitCodes.Success;
    }

    /// <summary>No default value in the parser: 0 goes to yakd, which applies its own (300 s), so help says that one alone.</summary>
    internal static Option<int> TimeoutOption() => new("--timeout") { Description = "Seconds to wait for the rollout (default: 300)." };

    /// <summary>
    /// The spec as an absolute path, checked here before anything is started: a mistyped <c>-f</c> is named as
    /// such, and no local cluster is started for it.
    /// </summary>
    internal static string SpecPath(string? file)
    {
        var path = Path.GetFullPath(file ?? Directory.GetCurrentDirectory());
        if (file is not null && !File.Exists(path) && !Directory.Exists(path))
        {
            throw new CliException(
                $"{file}: no such file or folder.",
                YakErrors.Usage,
                CliExitCodes.Usage,
                "-f takes a yak.yaml or docker-compose.yml, or the folder holding one (default: the current folder).");
        }

        return path;
    }

    private static int Finish<T>(CliContext context, EnvironmentInfo environment, T response)
    {
        if (context.Output.Json)
        {
            context.Output.WriteJson(response);
        }
        else
        {
            EnvironmentText.Details(context.Output.Out, [environment]);
            EnvironmentText.Urls(context.Output.Out, environment);
        }

        if (environment.State != EnvironmentState.Up)
        {
            var code = YakErrors.Find(environment.LastErrorCode) ?? YakErrors.EnvironmentNotReady;
            CliFailures.Write(context.Output.Error, code, $"{environment.Name} is not ready: {environment.LastError}", fix: null);
            return CliExitCodes.Failure;
        }

        return CliExitCodes.Success;
    }

    /// <summary>
    /// Subscribes to <c>environment</c> events before the call and shows them: a live block of one line per service
    /// when stderr is a terminal, plain lines otherwise (and nothing with --output json, where stdout is the answer).
    /// Ctrl+C stops watching, as <c>kubectl rollout status</c> does: the call is not cancelled in yakd, which keeps
    /// converging the environment.
    /// </summary>
    internal static async Task<T> WithProgressAsync<T>(CliContext context, DaemonClient client, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var live = !Console.IsErrorRedirected && ReferenceEquals(context.Output.Error, Console.Error);
        var view = new LiveView(context.Output.Error, live);
        void OnEvent(object? sender, EventNotification e)
        {
            if (e.Topic == EventTopics.Environment)
            {
                view.Show(e);
            }
        }

        client.EventReceived += OnEvent;
        try
        {
            await client.SubscribeAsync([EventTopics.Environment], cancellationToken);
            return await call(CancellationToken.None).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            context.Output.Error.WriteLine(
                "stopped watching; yakd keeps bringing the environment to its desired state ('yakctl status' shows where it is, 'yakctl down' stops it).");
            throw;
        }
        finally
        {
            client.EventReceived -= OnEvent;
        }
    }

    private sealed class LiveView(TextWriter writer, bool live)
    {
        private readonly List<string> services = [];
        private readonly Dictionary<string, string> lines = new(StringComparer.Ordinal);

        public void Show(EventNotification e)
        {
            // In the live block a stuck service shows as such; in plain lines the "stuck" event already said it.
            var line = live && e.Kind == "progress" && e.Data.TryGetProperty("state", out var state) && state.GetString() == "stuck"
                ? EnvironmentText.ProgressLine(e.Data.GetProperty("service").GetString() ?? "?", "stuck", 0, 0)
                : EnvironmentText.EventLine(e);
            if (line is null)
            {
                return;
            }

            lock (services)
            {
                if (!live || e.Kind != "progress")
                {
                    if (live && services.Count > 0)
                    {
                        // Keep the live block last: print the message above it and redraw it.
                        writer.Write($"\u001b[{services.Count}A\u001b[J");
                        writer.WriteLine(line);
                        Redraw();
                    }
                    else
                    {
                        writer.WriteLine(line);
                    }

                    return;
                }

                var service = e.Data.TryGetProperty("service", out var s) ? s.GetString() ?? "?" : "?";
                if (!lines.ContainsKey(service))
                {
                    services.Add(service);
                    lines[service] = line;
                    writer.WriteLine(line);
                    return;
                }

                lines[service] = line;
                writer.Write($"\u001b[{services.Count}A\u001b[J");
                Redraw();
            }
        }

        private void Redraw()
        {
            foreach (var service in services)
            {
                writer.WriteLine(lines[service]);
            }

            writer.Flush();
        }
    }
}
