using System.CommandLine;
using System.Globalization;
using Yak.Cli.Output;
using Yak.Client;
using Yak.Protocol;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;

namespace Yak.Cli.Commands;

/// <summary>
/// <c>yakctl share|unshare|access|connect</c>: sharing an environment with another user of its cluster (enforced by
/// the cluster, so it works and ends without your yakd), and connecting to one shared with you.
/// </summary>
internal static class ShareCommands
{
    public static IEnumerable<Command> Create() => [Share(), Unshare(), Access(), Connect()];

    private static Argument<string> EnvironmentArgument() =>
        new("env") { Description = "The environment (default: the one whose spec is in this folder).", Arity = ArgumentArity.ZeroOrOne };

    private static Option<string> WithOption() =>
        new("--with") { Description = "The guest: their user name on the cluster ('kubectl auth whoami' shows it to them).", Required = true };

    private static Command Share()
    {
        var env = EnvironmentArgument();
        var with = WithOption();
        var readOnly = new Option<bool>("--read-only") { Description = "Status, logs and events only: no exec, shell, attach, test or port-forward." };
        var expires = new Option<string>("--expires") { Description = "End the access after this long: 10m (the shortest a cluster allows) to 365d, e.g. 8h (default: as long as the cluster allows)." };
        var secrets = new Option<bool>("--secrets") { Description = "Also let the guest read the namespace's Secrets." };
        var command = new Command("share", "Give another user of the cluster access to this environment (read-only, or with exec, shell and port-forward).");
        command.Arguments.Add(env);
        command.Options.Add(with);
        command.Options.Add(readOnly);
        command.Options.Add(expires);
        command.Options.Add(secrets);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            long seconds = 0;
            if (parse.GetValue(expires) is { } text)
            {
                seconds = (long)(StatsText.ParseWindow(text)
                    ?? throw new CliException($"--expires '{text}' is not a duration.", YakErrors.Usage, CliExitCodes.Usage, "write it as a number and a unit: 30m, 8h, 7d.")).TotalSeconds;
            }

            await using var client = await RequireSharingAsync(context, cancellationToken);
            var (name, spec) = Target(parse.GetValue(env));
            var response = await client.InvokeAsync<ShareGrantResponse>(Methods.ShareGrant, new ShareGrantRequest
            {
                Name = name,
                SpecPath = spec,
                Guest = parse.GetValue(with)!,
                ReadOnly = parse.GetValue(readOnly),
                Secrets = parse.GetValue(secrets),
                ExpiresSeconds = seconds,
            }, cancellationToken);
            if (context.Output.Json)
            {
                context.Output.WriteJson(response.Share);
            }
            else
            {
                var share = response.Share;
                context.Output.Out.WriteLine($"{share.Environment}: shared with {share.Guest}, {Describe(share)}, {Until(share)}");
                context.Output.Out.WriteLine($"{share.Guest} runs: yakctl connect {share.Owner}/{share.Environment}");
            }

            return CliExitCodes.Success;
        });
        return command;
    }

    private static Command Unshare()
    {
        var env = EnvironmentArgument();
        var with = WithOption();
        var command = new Command("unshare", "End a guest's access to this environment at once (their token stops working).");
        command.Arguments.Add(env);
        command.Options.Add(with);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            await using var client = await RequireSharingAsync(context, cancellationToken);
            var (name, spec) = Target(parse.GetValue(env));
            var response = await client.InvokeAsync<ShareRevokeResponse>(Methods.ShareRevoke, new ShareRevokeRequest { Name = name, SpecPath = spec, Guest = parse.GetValue(with)! }, cancellationToken);
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
            }
            else
            {
                context.Output.Out.WriteLine(response.Revoked
                    ? $"{response.Environment}: {response.Guest}'s access ended"
                    : $"{response.Environment}: was not shared with {response.Guest}");
            }

            return CliExitCodes.Success;
        });
        return command;
    }

    private static Command Access()
    {
        var env = EnvironmentArgument();
        var command = new Command("access", "Who has access to this environment, how much, and until when.");
        command.Arguments.Add(env);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            await using var client = await RequireSharingAsync(context, cancellationToken);
            var (name, spec) = Target(parse.GetValue(env));
            var response = await client.InvokeAsync<ShareListResponse>(Methods.ShareList, new ShareListRequest { Name = name, SpecPath = spec }, cancellationToken);
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return CliExitCodes.Success;
            }

            if (response.Shares.Count == 0)
            {
                context.Output.Out.WriteLine($"{response.Environment}: shared with nobody ('yakctl share --with USER' shares it)");
                return CliExitCodes.Success;
            }

            context.Output.Out.WriteLine($"{"GUEST",-24} {"ACCESS",-44} UNTIL");
            foreach (var share in response.Shares)
            {
                context.Output.Out.WriteLine($"{share.Guest,-24} {Describe(share),-44} {Until(share)}");
            }

            return CliExitCodes.Success;
        });
        return command;
    }

    private static Command Connect()
    {
        var target = new Argument<string>("owner/env") { Description = "The owner's yak user and the environment's name, e.g. alice/shop." };
        var sync = new Option<bool>("--sync") { Description = "Also sync your local folders into the owner's pods (changes what the owner runs)." };
        var kubeconfig = new Option<string>("--kubeconfig") { Description = "Your kubeconfig for the owner's cluster (default: the first cluster in config.yaml, else KUBECONFIG or ~/.kube/config)." };
        var kubeContext = new Option<string>("--context") { Description = "Context in that kubeconfig (default: its current one)." };
        var file = EnvironmentCommands.FileOption();
        file.Description = "With --sync: your checkout of the environment's spec, whose sync mappings are used (default: the current folder's).";
        var command = new Command("connect", "Connect to an environment shared with you: status, logs, shell, exec, test and forwards act on the owner's environment, as far as the share allows.");
        command.Arguments.Add(target);
        command.Options.Add(sync);
        command.Options.Add(kubeconfig);
        command.Options.Add(kubeContext);
        command.Options.Add(file);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            var text = parse.GetValue(target)!;
            if (text.Split('/') is not [var owner, var environment] || owner.Length == 0 || environment.Length == 0)
            {
                throw new CliException($"'{text}' is not OWNER/ENV.", YakErrors.Usage, CliExitCodes.Usage, "name the owner's yak user and the environment, e.g. 'yakctl connect alice/shop'.");
            }

            if (parse.GetValue(sync))
            {
                context.Output.Error.WriteLine("warning: --sync writes your local files into the owner's pods: the owner's running code changes for them too.");
            }

            await using var client = await RequireSharingAsync(context, cancellationToken);
            context.Output.Progress($"connecting to {owner}/{environment}…");
            var response = await client.InvokeAsync<ShareConnectResponse>(Methods.ShareConnect, new ShareConnectRequest
            {
                Owner = owner,
                Environment = environment,
                Sync = parse.GetValue(sync),
                Kubeconfig = parse.GetValue(kubeconfig) is { } path ? Path.GetFullPath(path) : string.Empty,
                Context = parse.GetValue(kubeContext) ?? string.Empty,
                SpecPath = parse.GetValue(sync) ? EnvironmentCommands.SpecPath(parse.GetValue(file)) : string.Empty,
            }, cancellationToken);
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return CliExitCodes.Success;
            }

            var share = response.Share;
            context.Output.Out.WriteLine($"connected to {response.Name} as {share.Guest}: {Describe(share)}, {Until(share)}");
            EnvironmentText.Details(context.Output.Out, response.Environment);
            foreach (var session in response.SyncSessions)
            {
                context.Output.Out.WriteLine($"syncing into the owner's pods: {session} ('yakctl sync status {session}')");
            }

            context.Output.Out.WriteLine($"use it with --env {response.Name}: yakctl logs --env {response.Name} SERVICE, yakctl shell --env {response.Name} SERVICE, yakctl status {response.Name}");
            return CliExitCodes.Success;
        });
        return command;
    }

    private static async Task<DaemonClient> RequireSharingAsync(CliContext context, CancellationToken cancellationToken)
    {
        var client = await context.ConnectAsync(cancellationToken);
        if (!client.Hello.Capabilities.Contains(Capabilities.Sharing))
        {
            await client.DisposeAsync();
            throw new CliException($"yakd {client.Hello.DaemonVersion} cannot share environments.", YakErrors.VersionMismatch, hint: "run 'yakctl daemon restart' to start the yakd that came with this yakctl.");
        }

        return client;
    }

    /// <summary>An environment by name, else the spec of the current folder.</summary>
    private static (string Name, string SpecPath) Target(string? name) =>
        name is { Length: > 0 } ? (name, string.Empty) : (string.Empty, EnvironmentCommands.SpecPath(null));

    private static string Describe(ShareInfo share) =>
        (share.Access == "full" ? "full (status, logs, exec, shell, attach, port-forward)" : "read-only (status, logs, events)") + (share.Secrets ? " + secrets" : string.Empty);

    private static string Until(ShareInfo share) =>
        share.ExpiresAt is not { } end ? "no end known"
        : share.Expired ? $"expired {end.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}"
        : $"until {end.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}";
}
