using System.CommandLine;
using Yak.Cli.Output;
using Yak.Protocol;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;
using Yak.Protocol.Transport;

namespace Yak.Cli.Commands;

/// <summary><c>yakctl move [ENV] --to CLUSTER [--discard-volumes]</c>: the environment to another configured cluster.</summary>
internal static class MoveCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("env") { Description = "The environment (default: the one of the spec in the current folder).", Arity = ArgumentArity.ZeroOrOne };
        var to = new Option<string>("--to") { Description = "A cluster named in $XDG_CONFIG_HOME/yak/config.yaml.", Required = true };
        var discard = new Option<bool>("--discard-volumes")
        {
            Description = "Move although the environment has volumes: their data stays behind and is deleted with the old namespace; the services start with empty ones.",
        };
        var file = EnvironmentCommands.FileOption();
        var timeout = EnvironmentCommands.TimeoutOption();
        var command = new Command(
            "move",
            "Move the environment to another configured cluster: sync and forwards stop, its namespace is deleted on the old cluster, it comes up on the new one and sync and forwards start again. Volumes do not follow: refused unless --discard-volumes.");
        command.Arguments.Add(name);
        command.Options.Add(to);
        command.Options.Add(discard);
        command.Options.Add(file);
        command.Options.Add(timeout);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            var env = parse.GetValue(name) ?? string.Empty;
            var request = new EnvMoveRequest
            {
                Name = env,
                SpecPath = env.Length > 0 ? string.Empty : EnvironmentCommands.SpecPath(parse.GetValue(file)),
                Cluster = parse.GetValue(to)!,
                DiscardVolumes = parse.GetValue(discard),
                TimeoutSeconds = parse.GetValue(timeout),
            };
            await using var client = await context.ConnectAsync(cancellationToken);
            var response = await EnvironmentCommands.WithProgressAsync(context, client, ct => client.InvokeAsync<EnvMoveResponse>(Methods.EnvMove, request, ct), cancellationToken);
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
            }
            else
            {
                foreach (var warning in response.Warnings)
                {
                    context.Output.Error.WriteLine($"warning: {warning}");
                }

                var moved = response.Environment;
                context.Output.Out.WriteLine($"{moved.Name}: moved from {response.From} to {moved.Cluster} (namespace {moved.Namespace}), {YakJson.WireName(moved.State)}");
                foreach (var volume in response.DiscardedVolumes)
                {
                    context.Output.Out.WriteLine(
                        $"volume discarded on {response.From}: {volume.Claim} of {volume.Service} ({volume.Size ?? "size not set"}{(volume.Zone is null ? string.Empty : $", zone {volume.Zone}")}); {volume.Service} starts with an empty one");
                }

                EnvironmentText.Urls(context.Output.Out, moved);
            }

            if (response.Environment.State != EnvironmentState.Up)
            {
                var code = YakErrors.Find(response.Environment.LastErrorCode) ?? YakErrors.EnvironmentNotReady;
                CliFailures.Write(context.Output.Error, code, $"{response.Environment.Name} is not ready on {response.Environment.Cluster}: {response.Environment.LastError}", fix: null);
                return CliExitCodes.Failure;
            }

            return CliExitCodes.Success;
        });
        return command;
    }
}
