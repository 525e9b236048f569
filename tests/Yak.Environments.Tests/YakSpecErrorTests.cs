namespace Yak.Environments.Tests;

/// <summary>Every other kind of yak.yaml error, each with its exact location and wording.</summary>
public sealed class YakSpecErrorTests : IDisposable
{
    private readonly SpecFixture fx = new();

    public void Dispose() => fx.Dispose();

    [Fact]
    public void Load_AgentBaseImage_IsTheEnvironmentsSidecarImage() =>
        Assert.Equal("registry.corp/mirror/busybox:1.37.0", fx.LoadOk("agent:\n  baseImage: registry.corp/mirror/busybox:1.37.0\nservices: { a: { image: x } }\n").AgentBaseImage);

    [Fact]
    public void Load_AgentProblems_ReportedAtTheirNodes()
    {
        Assert.Null(fx.LoadOk("services: { a: { image: x } }\n").AgentBaseImage);
        Assert.Contains(fx.Errors("agent:\n  baseImage: \"busy box\"\nservices: { a: { image: x } }\n"), e => e.StartsWith("yak.yaml:2:14: agent.baseImage: expected an image reference", StringComparison.Ordinal));
        Assert.Contains(fx.Errors("agent:\n  baseImag: busybox\nservices: { a: { image: x } }\n"), e => e.StartsWith("yak.yaml:2:3:", StringComparison.Ordinal) && e.Contains("baseImage", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_SecondDocument_IsAnError() =>
        Lines.Equal(["yak.yaml:2:1: expected a single YAML document, found a second one"], fx.Errors("services: { a: { image: x } }\n---\nname: y\n"));

    [Fact]
    public void Load_UnknownAlias_IsAnError()
    {
        Lines.Equal(
            ["yak.yaml:3:12: unknown alias *img (anchors must be defined, with &name, before they are used)"],
            fx.Errors("services:\n  a:\n    image: *img\n"));
    }

    [Fact]
    public void Load_NonScalarKey_IsAnError() =>
        Lines.Equal(["yak.yaml:2:5: expected a plain key, got a list"], fx.Errors("services:\n  ? [a, b]\n  : { image: x }\n  c: { image: x }\n"));

    [Fact]
    public void Load_RootNotAMapping_IsAnError() =>
        Lines.Equal(["yak.yaml:1:1: expected a mapping with \"name\" and \"services\", got a list"], fx.Errors("- web\n- db\n"));

    [Fact]
    public void Load_NoServices_IsAnError() =>
        Lines.Equal(["yak.yaml:1:11: services: expected at least one service"], fx.Errors("services: {}\n"));

    [Fact]
    public void Load_PortForms_ReportEachProblem()
    {
        var errors = fx.Errors("""
            services:
              a:
                image: x
                ports:
                  - "8080:80/sctp"
                  - { local: 9000 }
                  - { port: 80, protocol: HTTP, name: Web_Port }
                  - { port: 81, local: 81, protocol: UDP }
                  - [80]
                  - "1.2.3.4:80:80"
            """);
        Lines.Equal(
            [
                "yak.yaml:5:9: services.a.ports[0]: unknown protocol \"sctp\" (expected tcp or udp)",
                "yak.yaml:6:9: services.a.ports[1]: missing required key \"port\"",
                "yak.yaml:7:31: services.a.ports[2].protocol: expected TCP or UDP, got \"HTTP\"",
                "yak.yaml:7:43: services.a.ports[2].name: expected a port name of lowercase letters, digits and '-' (at most 15, with a letter), got \"Web_Port\"",
                "yak.yaml:9:9: services.a.ports[4]: expected a port number 1-65535 or \"LOCAL:REMOTE\" or {port, local, protocol, name}, got a list",
                "yak.yaml:10:9: services.a.ports[5]: expected a port number 1-65535 or \"LOCAL:REMOTE\", got \"1.2.3.4:80:80\"",
                "yak.yaml:8:9: services.a.ports[3]: only TCP ports can be forwarded to localhost",
            ],
            errors);
    }

    [Fact]
    public void Load_VolumeForms_ReportEachProblem()
    {
        var errors = fx.Errors("""
            services:
              a:
                image: x
                volumes:
                  - data
                  - Data:/data
                  - { name: cache, size: big, mountPath: /cache }
                  - { name: logs }
                sync: [{ from: web, to: /cache }]
            """);
        Lines.Equal(
            [
                "yak.yaml:5:9: services.a.volumes[0]: expected \"NAME:/mount/path\" or {name, size, mountPath}, got \"data\"",
                "yak.yaml:6:9: services.a.volumes[1]: expected a volume name of lowercase letters, digits and '-' (at most 40), got \"Data\"",
                "yak.yaml:7:30: services.a.volumes[2].size: expected a size such as 1Gi or 500Mi, got \"big\"",
                "yak.yaml:8:9: services.a.volumes[3]: missing required key \"mountPath\"",
                "yak.yaml:7:9: services.a.volumes[2]: /cache is already mounted by services.a.sync[0]",
            ],
            errors);
    }

    [Fact]
    public void Load_ReadinessForms_ReportEachProblem()
    {
        var errors = fx.Errors("""
            services:
              a:
                image: x
                readiness: { periodSeconds: 0 }
              b:
                image: x
                readiness: { httpGet: { path: healthz }, failureThreshold: -1 }
              c:
                image: x
                readiness: { exec: [], tcp: { port: 1, host: y } }
            """);
        Lines.Equal(
            [
                "yak.yaml:4:16: services.a.readiness: expected one of httpGet, tcp or exec",
                "yak.yaml:7:35: services.b.readiness.httpGet.path: expected a URL path starting with '/', got \"healthz\"",
                "yak.yaml:7:27: services.b.readiness.httpGet: missing required key \"port\"",
                "yak.yaml:7:64: services.b.readiness.failureThreshold: expected an integer 1-3600, got \"-1\"",
                "yak.yaml:10:28: services.c.readiness: expected only one of httpGet, tcp or exec, got exec and tcp",
            ],
            errors);
    }

    [Fact]
    public void Load_EnvForms_ReportEachProblem()
    {
        var errors = fx.Errors("""
            services:
              a:
                image: x
                env:
                  1BAD: x
                  EMPTY:
                  LIST: [1]
              b:
                image: x
                env: ["OK=1", "NOVALUE", { value: v }, { name: N, valu: v }]
            """);
        Lines.Equal(
            [
                "yak.yaml:5:7: services.a.env.1BAD: expected an environment variable name (letters, digits, '_', '.', '-'; not starting with a digit), got \"1BAD\"",
                "yak.yaml:6:13: services.a.env.EMPTY: expected a value for EMPTY",
                "yak.yaml:7:13: services.a.env.LIST: expected a string, number or boolean, got a list",
                "yak.yaml:10:19: services.b.env[1]: expected a value for NOVALUE",
                "yak.yaml:10:30: services.b.env[2]: missing required key \"name\"",
                "yak.yaml:10:55: services.b.env[3].valu: unknown key in an env entry (did you mean \"value\"?); expected one of: name, value",
            ],
            errors);
    }

    [Fact]
    public void Load_OtherServiceFields_ReportEachProblem()
    {
        var errors = fx.Errors("""
            services:
              a:
                image: ""
                command: "sh -c 'unclosed"
                workingDir: app
                dependsOn: [a]
                resources: { limits: { gpu: 1 } }
            """);
        Lines.Equal(
            [
                "yak.yaml:3:12: services.a.image: expected an image reference, got \"\" (a string)",
                "yak.yaml:4:14: services.a.command: unclosed quote in command",
                "yak.yaml:5:17: services.a.workingDir: expected an absolute container path (starting with '/', without '..'), got \"app\"",
                "yak.yaml:7:28: services.a.resources.limits.gpu: unknown key in limits (did you mean \"cpu\"?); expected one of: cpu, memory",
                "yak.yaml:6:17: services.a.dependsOn[0]: a service cannot depend on itself",
            ],
            errors);
    }
}
