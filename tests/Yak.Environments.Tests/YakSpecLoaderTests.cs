using Yak.Environments.Spec;

namespace Yak.Environments.Tests;

public sealed class YakSpecLoaderTests : IDisposable
{
    private readonly SpecFixture fx = new();

    public void Dispose() => fx.Dispose();

    [Fact]
    public void Load_FullService_ReadsEveryField()
    {
        var spec = fx.LoadOk("""
            name: shop
            services:
              web:
                image: python:3.12
                command: python3 -m "http.server" 8080
                args: [--bind, 0.0.0.0]
                workingDir: /app
                env:
                  A: 1
                  B: "two"
                  C: true
                ports:
                  - 8080
                  - "9090:90"
                  - "53/udp"
                  - { port: 7000, local: 17000, name: admin }
                sync:
                  - ./web:/app
                  - from: api
                    to: /srv/api
                    exclude: [node_modules/, "*.log"]
                    initialSync: true
                    readOnly: true
                volumes:
                  - data:/data
                  - { name: cache, size: 5Gi, mountPath: /cache }
                readiness:
                  httpGet: { path: /healthz, port: 8080 }
                  periodSeconds: 2
                  failureThreshold: 5
                dependsOn: [db]
                resources:
                  requests: { cpu: 100m, memory: 128Mi }
                  limits: { cpu: 1, memory: 1Gi }
                replicas: 2
              db:
                image: postgres:16
                env: ["POSTGRES_PASSWORD=secret", { name: PGDATA, value: /data/pg }]
                readiness: { exec: [pg_isready] }
            """);

        Assert.Equal("shop", spec.Name);
        Assert.Equal(SpecFormat.Yak, spec.Format);
        var web = spec["web"]!;
        Assert.Equal("python:3.12", web.Image);
        Assert.Equal(["python3", "-m", "http.server", "8080"], web.Command);
        Assert.Equal(["--bind", "0.0.0.0"], web.Args);
        Assert.Equal("/app", web.WorkingDir);
        Assert.Equal([new EnvVar("A", "1"), new EnvVar("B", "two"), new EnvVar("C", "true")], web.Env);
        Assert.Equal(
            [new PortSpec(8080, null, PortProtocol.Tcp, null), new PortSpec(90, 9090, PortProtocol.Tcp, null), new PortSpec(53, null, PortProtocol.Udp, null), new PortSpec(7000, 17000, PortProtocol.Tcp, "admin")],
            web.Ports);
        Assert.Equal(Path.Combine(fx.Dir, "web"), web.Syncs[0].LocalPath);
        Assert.Equal("/app", web.Syncs[0].ContainerPath);
        Assert.False(web.Syncs[0].InitialSync);
        Assert.Equal(Path.Combine(fx.Dir, "api"), web.Syncs[1].LocalPath);
        Assert.Equal(["node_modules/", "*.log"], web.Syncs[1].Excludes);
        Assert.True(web.Syncs[1].InitialSync);
        Assert.True(web.Syncs[1].ReadOnly);
        Assert.Equal([new VolumeSpec("data", "1Gi", "/data"), new VolumeSpec("cache", "5Gi", "/cache")], web.Volumes);
        Assert.Equal(new HttpGetCheck("/healthz", 8080), web.Readiness!.HttpGet);
        Assert.Equal(2, web.Readiness.PeriodSeconds);
        Assert.Equal(5, web.Readiness.FailureThreshold);
        Assert.Equal(["db"], web.DependsOn);
        Assert.Equal(new ResourceSpec("100m", "128Mi", "1", "1Gi"), web.Resources);
        Assert.Equal(2, web.Replicas);
        Assert.True(web.IsStateful);
        var db = spec["db"]!;
        Assert.Equal([new EnvVar("POSTGRES_PASSWORD", "secret"), new EnvVar("PGDATA", "/data/pg")], db.Env);
        Assert.Equal(["pg_isready"], db.Readiness!.Exec);
        Assert.Equal(1, db.Replicas);
        Assert.False(db.IsStateful);
    }

    [Fact]
    public void Load_NoName_UsesFolderName()
    {
        var spec = fx.LoadOk("services: { web: { image: nginx } }");
        Assert.Equal(Naming.KubeNames.Label(Path.GetFileName(fx.Dir), 40), spec.Name);
    }

    [Fact]
    public void Load_AnchorsAndMergeKeys_AreResolved()
    {
        var spec = fx.LoadOk("""
            x-base: &base
              image: busybox
              env: { MODE: dev }
            services:
              a:
                <<: *base
              b:
                <<: *base
                image: alpine
            """);
        Assert.Equal("busybox", spec["a"]!.Image);
        Assert.Equal("alpine", spec["b"]!.Image);
        Assert.Equal([new EnvVar("MODE", "dev")], spec["b"]!.Env);
    }

    [Fact]
    public void Load_BadPort_PointsAtTheItem()
    {
        var errors = fx.Errors("""
            name: shop
            services:
              web:
                image: nginx
                ports:
                  - http
            """);
        Lines.Equal(["yak.yaml:6:9: services.web.ports[0]: expected a port number 1-65535 or \"LOCAL:REMOTE\", got \"http\""], errors);
    }

    [Fact]
    public void Load_SeveralProblems_ReportsAllOfThem()
    {
        var errors = fx.Errors("""
            name: Shop
            services:
              web:
                imgae: nginx
                ports: [70000]
                replicas: many
              db:
                image: postgres
                dependsOn: [cache]
            """);
        Lines.Equal(
            [
                "yak.yaml:1:7: name: expected an environment name of lowercase letters, digits and '-' (at most 63), got \"Shop\"",
                "yak.yaml:4:5: services.web.imgae: unknown key in a service (did you mean \"image\"?); expected one of: image, command, args, workingDir, env, ports, sync, volumes, readiness, dependsOn, resources, replicas, debug",
                "yak.yaml:4:5: services.web: missing required key \"image\"",
                "yak.yaml:5:13: services.web.ports[0]: expected a port number 1-65535 or \"LOCAL:REMOTE\", got \"70000\"",
                "yak.yaml:6:15: services.web.replicas: expected an integer 0-100, got \"many\"",
                "yak.yaml:9:17: services.db.dependsOn[0]: unknown service \"cache\"",
            ],
            errors);
    }

    [Fact]
    public void Load_DuplicateKey_IsAnError()
    {
        var errors = fx.Errors("""
            services:
              web:
                image: nginx
                image: httpd
            """);
        Lines.Equal(["yak.yaml:4:5: duplicate key \"image\" (first defined at line 3)"], errors);
    }

    [Fact]
    public void Load_InvalidYaml_ReportsTheLocation()
    {
        var errors = fx.Errors("services:\n  web:\n    image: [nginx\n    ports: 1\n");
        var error = Assert.Single(errors);
        Assert.Matches(@"^yak\.yaml:\d+:\d+: invalid YAML: ", error);
        Assert.DoesNotContain("Idx:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WrongTypes_SayWhatWasExpected()
    {
        var errors = fx.Errors("""
            services:
              web:
                image: [nginx]
                env: 3
                sync: ./web
                readiness: { httpGet: { port: 80 }, tcp: 81 }
                resources: { requests: { cpu: lots } }
            """);
        Lines.Equal(
            [
                "yak.yaml:3:12: services.web.image: expected an image reference, got a list",
                "yak.yaml:4:10: services.web.env: expected a mapping of names to values or a list of \"NAME=value\" or {name, value}, got \"3\"",
                "yak.yaml:5:11: services.web.sync: expected a list, got \"./web\"",
                "yak.yaml:6:41: services.web.readiness: expected only one of httpGet, tcp or exec, got httpGet and tcp",
                "yak.yaml:7:35: services.web.resources.requests.cpu: expected a CPU amount such as 250m or 1, got \"lots\"",
            ],
            errors);
    }

    [Fact]
    public void Load_SyncProblems_AreLocated()
    {
        var errors = fx.Errors("""
            services:
              web:
                image: nginx
                command: [nginx]
                sync:
                  - ./missing:/app
                  - notes.txt:/notes
                  - { from: web, to: relative }
                  - { from: api, to: /app }
            """);
        Lines.Equal(
            [
                $"yak.yaml:6:9: services.web.sync[0]: local folder \"./missing\" does not exist (resolved to missing)",
                "yak.yaml:7:9: services.web.sync[1]: expected a local folder, \"notes.txt\" is a file",
                "yak.yaml:8:26: services.web.sync[2].to: expected an absolute container path (starting with '/', without '..'), got \"relative\"",
            ],
            errors);
    }

    [Fact]
    public void Load_InitialSyncWithoutCommand_IsAnError()
    {
        var errors = fx.Errors("""
            services:
              web:
                image: nginx
                sync: [{ from: web, to: /app, initialSync: true }]
            """);
        Lines.Equal(["yak.yaml:4:12: services.web.sync[0]: initialSync needs the service to name its \"command\" (yak wraps it to wait for the first sync)"], errors);
    }

    [Fact]
    public void Load_CrossServiceClashes_AreErrors()
    {
        var errors = fx.Errors("""
            services:
              my_web:
                image: nginx
                ports: ["8080:80", "8081:80"]
              api:
                image: nginx
                ports: ["8080:8080"]
                volumes: [data:/data, data:/other]
                dependsOn: [api2]
              api2:
                image: nginx
                dependsOn: api
            """);
        Lines.Equal(
            [
                "yak.yaml:2:3: services.my_web: expected a service name of lowercase letters, digits and '-', starting with a letter, at most 54 characters, got \"my_web\" (rename it, e.g. \"my-web\")",
                "yak.yaml:4:24: services.my_web.ports[1]: container port 80/tcp is listed twice",
                "yak.yaml:8:27: services.api.volumes[1]: volume \"data\" is listed twice",
                "yak.yaml:12:16: services.api2.dependsOn: dependency cycle: api -> api2 -> api",
                "yak.yaml:7:13: services.api.ports[0]: local port 8080 is already forwarded to my_web",
            ],
            errors);
    }

    [Fact]
    public void Load_EmptyOrMissing_IsAnError()
    {
        Assert.Equal(["yak.yaml:1:1: expected a mapping with \"services\", got an empty document"], fx.Errors("# nothing\n"));
        Assert.Equal(["yak.yaml:1:1: missing required key \"services\""], fx.Errors("name: x\n"));
        var missing = EnvironmentSpecLoader.Load(Path.Combine(fx.Dir, "web"));
        Assert.Contains("no spec file found", Assert.Single(missing.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ExtensionKeys_AreIgnored()
    {
        var spec = fx.LoadOk("x-team: payments\nservices:\n  web:\n    image: nginx\n    x-note: hi\n");
        Assert.Single(spec.Services);
    }

    [Fact]
    public void Load_Folder_FindsYakYaml()
    {
        fx.Load("services: { web: { image: nginx } }");
        var result = EnvironmentSpecLoader.Load(fx.Dir);
        Assert.True(result.Success);
        Assert.Equal(Path.Combine(fx.Dir, "yak.yaml"), result.Spec!.SourceFile);
    }
}
