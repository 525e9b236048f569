using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Yak.Cli.Output;
using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Cli.Commands;

/// <summary><c>yakctl debug SERVICE [--profile P] [--stop]</c>: a service under its debugger, and how to attach to it.</summary>
internal static class DebugCommand
{
    public static Command Create()
    {
        var service = new Argument<string>("service") { Description = "The service to debug." };
        var profile = new Option<string>("--profile", "-p") { Description = "One of the service's debug profiles in yak.yaml (default: its first)." };
        var stop = new Option<bool>("--stop") { Description = "Run the service as declared again (its normal command, no debug port)." };
        var file = EnvironmentCommands.FileOption();
        var timeout = EnvironmentCommands.TimeoutOption();
        var command = new Command(
            "debug",
            "Restart a service under the debugger of its yak.yaml 'debug:' profile, forward the debugger's port and print the attach configuration (VS Code launch.json).");
        command.Arguments.Add(service);
        command.Options.Add(profile);
        command.Options.Add(stop);
        command.Options.Add(file);
        command.Options.Add(timeout);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = CliApp.Context(parse);
            await using var client = await context.ConnectAsync(cancellationToken);
            var name = parse.GetValue(service)!;
            var request = new EnvDebugRequest
            {
                Name = string.Empty,
                SpecPath = EnvironmentCommands.SpecPath(parse.GetValue(file)),
                Service = name,
                Profile = parse.GetValue(profile) ?? string.Empty,
                Stop = parse.GetValue(stop),
                TimeoutSeconds = parse.GetValue(timeout),
            };
            if (!context.Output.Json)
            {
                context.Output.Progress(request.Stop
                    ? $"{name}: restarting as declared"
                    : $"{name}: restarting under its debugger, then waiting until the debugger answers on localhost");
            }

            var response = await EnvironmentCommands.WithProgressAsync(context, client, ct => client.InvokeAsync<EnvDebugResponse>(Methods.EnvDebug, request, ct), cancellationToken);
            var ready = response.Environment.State == EnvironmentState.Up;
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
            }
            else if (response.Profile is null)
            {
                context.Output.Out.WriteLine($"{response.Service}: runs as declared (no debugger)");
            }
            else
            {
                var local = response.LocalPort!.Value.ToString(CultureInfo.InvariantCulture);
                context.Output.Out.WriteLine($"{response.Service}: {response.Runtime} debugger (profile {response.Profile}) answers on localhost:{local} (port {response.ContainerPort!.Value.ToString(CultureInfo.InvariantCulture)} in the pod)");
                context.Output.Out.WriteLine("attach configuration (add it to .vscode/launch.json \"configurations\"):");
                context.Output.Out.WriteLine(Indented(response.Attach));
                context.Output.Out.WriteLine($"'yakctl debug {response.Service} --stop' runs it as declared again.");
            }

            if (!ready)
            {
                context.Output.Error.WriteLine($"yakctl: {response.Environment.Name} is not ready: {response.Environment.LastError}");
                return CliExitCodes.Failure;
            }

            return CliExitCodes.Success;
        });
        return command;
    }

    /// <summary>The configuration as launch.json shows it: indented, escaped as JSON files usually are.</summary>
    private static string Indented(JsonElement? configuration)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            if (configuration is { } value)
            {
                value.WriteTo(writer);
            }
            else
            {
                writer.WriteNullValue();
            }
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
