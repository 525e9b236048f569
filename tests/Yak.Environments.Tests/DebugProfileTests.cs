using System.Text.Json.Nodes;
using k8s.Models;
using Yak.Environments.Debug;
using Yak.Environments.Manifests;
using Yak.Environments.Spec;

namespace Yak.Environments.Tests;

/// <summary>yak.yaml's <c>debug:</c> profiles: read, checked at their node, and how a debugged service runs and is attached to.</summary>
public sealed class DebugProfileTests : IDisposable
{
    private readonly SpecFixture fx = new();

    public void Dispose() => fx.Dispose();

    [Fact]
    public void Load_PresetName_IsOneProfileWithTheDebuggersPort()
    {
        var profile = Assert.Single(fx.LoadOk("services:\n  web:\n    image: node\n    debug: node\n").Services[0].Debug);
        Assert.Equal(new DebugProfile("node", DebugRuntime.Node, 9229, null, null, []), profile with { Env = [] });
    }

    [Fact]
    public void Load_NamedProfiles_KeepFileOrderAndSettings()
    {
        var spec = fx.LoadOk("services:\n  api:\n    image: x\n    command: [python3, app.py]\n    debug:\n      py: python\n      custom: { runtime: python, port: 5700, local: 15700, command: \"python3 -m debugpy --listen 0.0.0.0:5700 --wait-for-client app.py\", env: { DEBUG: 1 } }\n");
        var profiles = spec.Services[0].Debug;
        Assert.Equal(["py", "custom"], profiles.Select(p => p.Name));
        Assert.Equal(5678, profiles[0].Port);
        Assert.Equal(5700, profiles[1].Port);
        Assert.Equal(15700, profiles[1].LocalPort);
        Assert.Equal(["python3", "-m", "debugpy", "--listen", "0.0.0.0:5700", "--wait-for-client", "app.py"], profiles[1].Command);
        Assert.Equal([new EnvVar("DEBUG", "1")], profiles[1].Env);
    }

    [Fact]
    public void Load_SingleProfileMapping_IsNamedAfterItsRuntime() =>
        Assert.Equal("go", Assert.Single(fx.LoadOk("services:\n  a:\n    image: x\n    command: [/srv/a]\n    debug: { runtime: go, port: 40000 }\n").Services[0].Debug).Name);

    [Fact]
    public void Load_UnknownDebugger_ErrorAtItsNodeNamesTheChoices() =>
        Lines.Equal(
            ["yak.yaml:4:12: services.web.debug: expected a debugger: node, python, dotnet or go, got \"ruby\""],
            fx.Errors("services:\n  web:\n    image: x\n    debug: ruby\n"));

    [Fact]
    public void Load_WrapperWithoutCommand_ErrorSaysWhatToAdd()
    {
        var error = Assert.Single(fx.Errors("services:\n  web:\n    image: x\n    debug: python\n"));
        Assert.StartsWith("yak.yaml:4:12: services.web.debug: profile \"python\": the python debugger wraps the service's command, and web has none", error, StringComparison.Ordinal);
        Assert.Contains("give the service a \"command\", or the profile a \"command\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PythonPresetOnNonPythonCommand_IsAnError() =>
        Assert.Contains(
            "debugpy runs python itself, but web's command starts with \"gunicorn\"",
            Assert.Single(fx.Errors("services:\n  web:\n    image: x\n    command: gunicorn app:app\n    debug: python\n")),
            StringComparison.Ordinal);

    [Fact]
    public void Load_DebugPortIsAServicePort_IsAnError() =>
        Assert.Contains(
            "port 9229 is also the service's port (services.web.ports[0])",
            Assert.Single(fx.Errors("services:\n  web:\n    image: node\n    ports: [9229]\n    debug: node\n")),
            StringComparison.Ordinal);

    [Fact]
    public void Load_ProfileProblems_ReportedAtTheirNodes()
    {
        var errors = fx.Errors("services:\n  web:\n    image: node\n    debug:\n      Bad: node\n      two: { runtime: node, port: 0, prot: 1 }\n      three: { port: 1 }\n");
        Lines.Equal(
            [
                "yak.yaml:5:7: services.web.debug.Bad: expected a profile name of lowercase letters, digits and '-' (at most 63), got \"Bad\"",
                "yak.yaml:6:38: services.web.debug.two.prot: unknown key in a debug profile (did you mean \"port\"?); expected one of: runtime, port, local, command, env",
                "yak.yaml:6:35: services.web.debug.two.port: expected a port number 1-65535, got \"0\"",
                "yak.yaml:7:14: services.web.debug.three: missing required key \"runtime\" (node, python, dotnet or go)",
            ],
            errors);
    }

    [Theory]
    [InlineData(DebugRuntime.Python, "python3 -m debugpy --listen 0.0.0.0:5678 app.py --flag")]
    [InlineData(DebugRuntime.Dotnet, "netcoredbg --interpreter=vscode --server=4711 -- python3 app.py --flag")]
    [InlineData(DebugRuntime.Go, "dlv exec --headless --listen=0.0.0.0:2345 --api-version=2 --accept-multiclient --continue python3 -- app.py --flag")]
    public void Wrap_ServiceCommand_RunsUnderTheDebugger(DebugRuntime runtime, string expected) =>
        Assert.Equal(expected, string.Join(' ', DebugLaunch.Wrap(new DebugProfile("p", runtime, DebugProfile.DefaultPort(runtime), null, null, []), ["python3", "app.py", "--flag"])!));

    [Fact]
    public void Apply_DotnetAndPython_OnlyNetcoredbgLiftsTheReadinessProbe()
    {
        var spec = fx.LoadOk("services:\n  api:\n    image: x\n    command: [python3, app.py]\n    readiness: { tcp: 8080 }\n    debug: { d: dotnet, p: python }\n");
        var api = spec.Services[0];

        // netcoredbg runs the app only once the editor launches it: until then the probe could never pass.
        Assert.Null(DebugLaunch.Apply(api, api.Debug[0], 4711).Readiness);
        Assert.Equal(api.Readiness, DebugLaunch.Apply(api, api.Debug[1], 5678).Readiness);
    }

    [Fact]
    public void Apply_Node_AddsInspectorToNodeOptionsAndForwardsItsPort()
    {
        var spec = fx.LoadOk("services:\n  web:\n    image: node\n    command: [node, server.js]\n    env: { NODE_OPTIONS: --max-old-space-size=256 }\n    ports: [\"8080:80\"]\n    debug: node\n");
        var web = spec.Services[0];
        var debugged = DebugLaunch.Apply(web, web.Debug[0], 19229);
        Assert.Equal(["node", "server.js"], debugged.Command);
        Assert.Equal("--max-old-space-size=256 --inspect=0.0.0.0:9229", Assert.Single(debugged.Env, e => e.Name == "NODE_OPTIONS").Value);
        Assert.Equal(new PortSpec(9229, 19229, PortProtocol.Tcp, DebugLaunch.PortName), debugged.Ports[^1]);
        Assert.Equal(web.Ports[0], debugged.Ports[0]);
    }

    [Fact]
    public void Build_Debugging_RollsTheAppContainerAndLaterAppliesKeepIt()
    {
        var spec = fx.LoadOk("services:\n  api:\n    image: x\n    command: [python3]\n    args: [app.py]\n    debug: python\n");
        var plain = ManifestBuilder.Build(spec, new ManifestOptions { Owner = "me" });
        var options = new ManifestOptions { Owner = "me", Debugging = new Dictionary<string, DebugChoice> { ["api"] = new("python", 15678) } };
        var debugged = ManifestBuilder.Build(spec, options);
        Assert.NotEqual(plain.Services[0].SpecHash, debugged.Services[0].SpecHash);
        Assert.Equal(debugged.Services[0].SpecHash, ManifestBuilder.Build(spec, options).Services[0].SpecHash);
        Assert.Equal("python", debugged.Services[0].DebugProfile);
        Assert.Null(plain.Services[0].DebugProfile);
        var container = ((V1Deployment)debugged.Objects.Last()).Spec.Template.Spec.Containers[0];
        Assert.Equal(["python3", "-m", "debugpy", "--listen", "0.0.0.0:5678", "app.py"], container.Command);
        Assert.Null(container.Args);
        Assert.Contains(debugged.Services[0].Ports, p => p is { ContainerPort: 5678, LocalPort: 15678, Name: DebugLaunch.PortName });
    }

    [Fact]
    public void Build_ProfileGoneFromSpec_RunsAsDeclared()
    {
        var spec = fx.LoadOk("services:\n  api:\n    image: x\n");
        var options = new ManifestOptions { Owner = "me", Debugging = new Dictionary<string, DebugChoice> { ["api"] = new("python", 15678) } };
        var built = ManifestBuilder.Build(spec, options).Services[0];
        Assert.Equal(ManifestBuilder.Build(spec, new ManifestOptions { Owner = "me" }).Services[0].SpecHash, built.SpecHash);
        Assert.Null(built.DebugProfile);
    }

    [Fact]
    public void Attach_EachDebugger_MapsTheSyncFoldersAndTheLocalPort()
    {
        Directory.CreateDirectory(Path.Combine(fx.Dir, "src"));
        var spec = fx.LoadOk("services:\n  api:\n    image: x\n    command: [python3, app.py]\n    sync: [\"./src:/app\"]\n    debug: { n: node, p: python, d: dotnet, g: go }\n");
        var api = spec.Services[0];
        var local = Path.Combine(fx.Dir, "src");
        JsonObject Attach(string profile) => AttachConfiguration.Build("shop", api, api.Debug.Single(p => p.Name == profile), 4000);

        var node = Attach("n");
        Assert.Equal(("node", "attach", 4000, local, "/app"), ((string)node["type"]!, (string)node["request"]!, (int)node["port"]!, (string)node["localRoot"]!, (string)node["remoteRoot"]!));
        var python = Attach("p");
        Assert.Equal("debugpy", (string)python["type"]!);
        Assert.Equal(4000, (int)python["connect"]!["port"]!);
        Assert.Equal("""[{"localRoot":"LOCAL","remoteRoot":"/app"}]""".Replace("LOCAL", local, StringComparison.Ordinal), python["pathMappings"]!.ToJsonString());
        var dotnet = Attach("d");
        Assert.Equal(("coreclr", 4000, local), ((string)dotnet["type"]!, (int)dotnet["debugServer"]!, (string)dotnet["sourceFileMap"]!["/app"]!));
        Assert.Equal("launch", (string)dotnet["request"]!);
        Assert.Equal(string.Empty, (string)dotnet["cwd"]!);
        var go = Attach("g");
        Assert.Equal(("go", "remote", 4000), ((string)go["type"]!, (string)go["mode"]!, (int)go["port"]!));
        Assert.Equal("""[{"from":"LOCAL","to":"/app"}]""".Replace("LOCAL", local, StringComparison.Ordinal), go["substitutePath"]!.ToJsonString());
    }

    [Fact]
    public void Attach_DotnetUnderNetcoredbg_LaunchesThroughTheDebugServerNamingTheAssembly()
    {
        var spec = fx.LoadOk("services:\n  api:\n    image: x\n    command: [dotnet, /app/Api.dll, --urls, http://0.0.0.0:8080]\n    workingDir: /app\n    debug: dotnet\n");
        var api = spec.Services[0];

        var attach = AttachConfiguration.Build("shop", api, api.Debug[0], 4711);

        // netcoredbg's 'attach' needs a process id; with '-- CMD' on its command line it runs CMD on 'launch'.
        Assert.Equal(("launch", 4711, "/app/Api.dll", "/app"), ((string)attach["request"]!, (int)attach["debugServer"]!, (string)attach["program"]!, (string)attach["cwd"]!));
        Assert.False((bool)attach["stopAtEntry"]!);
        Assert.Null(attach["processId"]);
    }
}
