using System.Globalization;
using Yak.Environments.Spec;

namespace Yak.Environments.Debug;

/// <summary>
/// A service as it runs under one of its debug profiles: the command wrapped by the debugger (or the profile's own),
/// the profile's variables, and the debugger's port forwarded to <c>localhost</c>. Pure: the manifests of a debugged
/// service are those of this spec, so the supervisor rolls it out like any other change.
/// </summary>
public static class DebugLaunch
{
    /// <summary>Name of the debugger's port in the pod and the Service (a port name of its own, at most 15 characters).</summary>
    public const string PortName = "yak-debug";

    public static ServiceSpec Apply(ServiceSpec service, DebugProfile profile, int localPort)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(profile);
        var words = service.Command is null && service.Args is null ? null : (IReadOnlyList<string>)[.. service.Command ?? [], .. service.Args ?? []];
        var command = profile.Command ?? Wrap(profile, words);
        var env = service.Env.ToList();
        if (profile.Command is null && profile.Runtime == DebugRuntime.Node)
        {
            // Through NODE_OPTIONS the inspector starts whatever launches node (npm start, a shell script, the image's CMD).
            var inspect = $"--inspect=0.0.0.0:{profile.Port.ToString(CultureInfo.InvariantCulture)}";
            var existing = env.FindIndex(e => e.Name == "NODE_OPTIONS");
            if (existing >= 0)
            {
                env[existing] = new EnvVar("NODE_OPTIONS", $"{env[existing].Value} {inspect}".Trim());
            }
            else
            {
                env.Add(new EnvVar("NODE_OPTIONS", inspect));
            }
        }

        foreach (var extra in profile.Env)
        {
            var at = env.FindIndex(e => e.Name == extra.Name);
            if (at >= 0)
            {
                env[at] = extra;
            }
            else
            {
                env.Add(extra);
            }
        }

        return service with
        {
            Command = command ?? service.Command,
            Args = command is null ? service.Args : null,
            Env = env,
            Ports = [.. service.Ports, new PortSpec(profile.Port, localPort, PortProtocol.Tcp, PortName)],

            // netcoredbg starts the app only when the editor's 'launch' arrives: a readiness probe on the app would
            // hold the rollout (and 'yakctl debug') until then. Under the other debuggers the app runs at once.
            Readiness = profile.Runtime == DebugRuntime.Dotnet ? null : service.Readiness,
        };
    }

    /// <summary>The service's command under the profile's debugger; null keeps it as it is (node's inspector needs no wrapper).</summary>
    public static IReadOnlyList<string>? Wrap(DebugProfile profile, IReadOnlyList<string>? words)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var port = profile.Port.ToString(CultureInfo.InvariantCulture);
        if (profile.Runtime == DebugRuntime.Node || words is not { Count: > 0 })
        {
            return null;
        }

        return profile.Runtime switch
        {
            DebugRuntime.Python => [words[0], "-m", "debugpy", "--listen", $"0.0.0.0:{port}", .. words.Skip(1)],
            DebugRuntime.Dotnet => ["netcoredbg", "--interpreter=vscode", $"--server={port}", "--", .. words],
            _ => ["dlv", "exec", "--headless", $"--listen=0.0.0.0:{port}", "--api-version=2", "--accept-multiclient", "--continue", words[0], .. words.Count > 1 ? ["--", .. words.Skip(1)] : Array.Empty<string>()],
        };
    }
}

/// <summary>A service runs under its debug profile <paramref name="Profile"/>, its port forwarded to <paramref name="LocalPort"/>.</summary>
public sealed record DebugChoice(string Profile, int LocalPort);
