namespace Yak.Environments.Spec;

/// <summary>The debuggers yak knows how to start a service under (the presets of <c>debug:</c>).</summary>
public enum DebugRuntime
{
    /// <summary>Node's inspector (<c>--inspect</c>, through <c>NODE_OPTIONS</c>).</summary>
    Node,

    /// <summary>Python's debugpy (<c>python -m debugpy --listen</c>).</summary>
    Python,

    /// <summary>.NET's netcoredbg as a DAP server (<c>netcoredbg --interpreter=vscode --server</c>).</summary>
    Dotnet,

    /// <summary>Go's Delve headless (<c>dlv exec --headless</c>).</summary>
    Go,
}

/// <summary>How to run a service under a debugger: <c>yakctl debug SERVICE --profile NAME</c>.</summary>
/// <param name="Name">The profile's name (the preset's name for the short form <c>debug: node</c>).</param>
/// <param name="Runtime">Which debugger: decides the default command, port and the attach configuration.</param>
/// <param name="Port">Port the debugger listens on in the container.</param>
/// <param name="LocalPort">localhost port to forward it to, or null for the same port (another one when that is taken).</param>
/// <param name="Command">The whole command under the debugger, or null to wrap the service's own command.</param>
/// <param name="Env">Variables added to the service's environment while it is debugged.</param>
public sealed record DebugProfile(string Name, DebugRuntime Runtime, int Port, int? LocalPort, IReadOnlyList<string>? Command, IReadOnlyList<EnvVar> Env)
{
    /// <summary>The port each debugger listens on by convention.</summary>
    public static int DefaultPort(DebugRuntime runtime) => runtime switch
    {
        DebugRuntime.Node => 9229,
        DebugRuntime.Python => 5678,
        DebugRuntime.Dotnet => 4711,
        _ => 2345,
    };

    /// <summary>The runtime named in yak.yaml (<c>node</c>, <c>python</c>, <c>dotnet</c>, <c>go</c>), or null.</summary>
    public static DebugRuntime? ParseRuntime(string text) => text switch
    {
        "node" => DebugRuntime.Node,
        "python" => DebugRuntime.Python,
        "dotnet" => DebugRuntime.Dotnet,
        "go" => DebugRuntime.Go,
        _ => null,
    };

    public static string RuntimeName(DebugRuntime runtime) => runtime.ToString().ToLowerInvariant();
}
