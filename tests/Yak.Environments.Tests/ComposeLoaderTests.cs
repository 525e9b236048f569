using Yak.Environments.Spec;

namespace Yak.Environments.Tests;

public sealed class ComposeLoaderTests : IDisposable
{
    private readonly SpecFixture fx = new();

    public void Dispose() => fx.Dispose();

    [Fact]
    public void Load_ComposeFile_MapsEverySupportedKey()
    {
        File.WriteAllText(Path.Combine(fx.Dir, "common.env"), "# shared\nexport LEVEL=debug\nNAME=\"a b\"\nOVERRIDDEN=file\n");
        var spec = fx.LoadOk("""
            name: My_Shop
            services:
              web:
                image: nginx:1.27
                entrypoint: /docker-entrypoint.sh
                command: ["nginx", "-g", "daemon off;"]
                working_dir: /usr/share/nginx
                env_file: common.env
                environment:
                  - OVERRIDDEN=compose
                  - EMPTY=
                ports:
                  - "8080"
                  - "8081:80"
                  - "127.0.0.1:8443:443"
                  - target: 9000
                    published: "19000"
                expose: ["9100"]
                volumes:
                  - ./web:/usr/share/nginx/html
                  - ./api:/etc/api:ro
                  - type: bind
                    source: ./api
                    target: /srv/api
                depends_on:
                  db:
                    condition: service_healthy
                healthcheck:
                  test: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]
                  interval: 1m30s
                  timeout: 500ms
                  retries: 4
                  start_period: 10s
              db:
                image: postgres:16
                environment:
                  POSTGRES_PASSWORD: secret
                volumes:
                  - pgdata:/var/lib/postgresql/data
                depends_on: []
                healthcheck:
                  test: ["CMD", "pg_isready", "-U", "postgres"]
            volumes:
              pgdata:
                x-yak-size: 5Gi
            """, "docker-compose.yml");

        Assert.Equal("my-shop", spec.Name);
        Assert.Equal(SpecFormat.Compose, spec.Format);
        var web = spec["web"]!;
        Assert.Equal(["/docker-entrypoint.sh"], web.Command);
        Assert.Equal(["nginx", "-g", "daemon off;"], web.Args);
        Assert.Equal("/usr/share/nginx", web.WorkingDir);
        Assert.Equal([new EnvVar("LEVEL", "debug"), new EnvVar("NAME", "a b"), new EnvVar("OVERRIDDEN", "compose"), new EnvVar("EMPTY", string.Empty)], web.Env);
        Assert.Equal(
            [
                new PortSpec(8080, 8080, PortProtocol.Tcp, null), new PortSpec(80, 8081, PortProtocol.Tcp, null), new PortSpec(443, 8443, PortProtocol.Tcp, null),
                new PortSpec(9000, 19000, PortProtocol.Tcp, null), new PortSpec(9100, null, PortProtocol.Tcp, null),
            ],
            web.Ports);
        Assert.Equal(
            [
                new SyncSpec(Path.Combine(fx.Dir, "web"), "/usr/share/nginx/html", [], false, false),
                new SyncSpec(Path.Combine(fx.Dir, "api"), "/etc/api", [], false, true),
                new SyncSpec(Path.Combine(fx.Dir, "api"), "/srv/api", [], false, false),
            ],
            web.Syncs,
            (a, b) => a.LocalPath == b.LocalPath && a.ContainerPath == b.ContainerPath && a.ReadOnly == b.ReadOnly && a.Excludes.Count == b.Excludes.Count);
        Assert.Equal(["db"], web.DependsOn);
        Assert.Equal(["sh", "-c", "curl -f http://localhost/ || exit 1"], web.Readiness!.Exec);
        Assert.Equal(90, web.Readiness.PeriodSeconds);
        Assert.Equal(1, web.Readiness.TimeoutSeconds);
        Assert.Equal(4, web.Readiness.FailureThreshold);
        Assert.Equal(10, web.Readiness.InitialDelaySeconds);
        Assert.False(web.IsStateful);
        var db = spec["db"]!;
        Assert.Equal([new VolumeSpec("pgdata", "5Gi", "/var/lib/postgresql/data")], db.Volumes);
        Assert.Equal(["pg_isready", "-U", "postgres"], db.Readiness!.Exec);
        Assert.True(db.IsStateful);
    }

    [Fact]
    public void Load_UnsupportedKeys_AreWarnedByNameAndLocation()
    {
        var result = fx.Load("""
            version: "3.9"
            services:
              web:
                image: nginx
                build: .
                privileged: true
                deploy: { replicas: 2 }
                networks: [front]
                restrat: always
            networks:
              front: {}
            """, "compose.yaml");

        Assert.True(result.Success);
        Lines.Equal(
            [
                "compose.yaml:1:1: version: \"version\" is not supported by yak and is ignored",
                "compose.yaml:10:1: networks: \"networks\" is not supported by yak and is ignored",
                "compose.yaml:5:5: services.web.build: \"build\" is not supported by yak and is ignored",
                "compose.yaml:6:5: services.web.privileged: \"privileged\" is not supported by yak and is ignored",
                "compose.yaml:8:5: services.web.networks: \"networks\" is not supported by yak and is ignored",
                "compose.yaml:9:5: services.web.restrat: unknown key in a service, ignored (did you mean \"restart\"?)",
            ],
            fx.Relative(result.Warnings));
    }

    [Fact]
    public void Load_ComposeErrors_AreLocated()
    {
        var errors = fx.Errors("""
            services:
              web:
                build: .
                ports: ["80-90:80-90", "web"]
                volumes: [cache:/cache, ./missing:/x]
                depends_on: [dbb]
                healthcheck: { test: ["RUN", "x"], interval: soon }
              db:
                image: postgres
            volumes:
              data:
            """, "docker-compose.yml");
        Lines.Equal(
            [
                "docker-compose.yml:3:5: services.web: missing required key \"image\" (yak does not build images: push the image and name it here)",
                "docker-compose.yml:4:13: services.web.ports[0]: port ranges are not supported",
                "docker-compose.yml:4:28: services.web.ports[1]: expected a port number 1-65535 or \"LOCAL:REMOTE\", got \"web\"",
                "docker-compose.yml:5:15: services.web.volumes[0]: volume \"cache\" is not declared under the top-level volumes",
                $"docker-compose.yml:5:29: services.web.volumes[1]: local folder \"./missing\" does not exist (resolved to missing)",
                "docker-compose.yml:7:26: services.web.healthcheck.test: expected [\"CMD\", command…], [\"CMD-SHELL\", \"command\"] or [\"NONE\"], got [\"RUN\", \"x\"]",
                "docker-compose.yml:7:50: services.web.healthcheck.interval: expected a duration such as 10s or 1m30s, got \"soon\"",
                "docker-compose.yml:6:18: services.web.depends_on[0]: unknown service \"dbb\" (did you mean \"db\"?)",
            ],
            errors);
    }

    [Fact]
    public void Load_ComposeWithoutName_UsesFolderAndStringForms()
    {
        var spec = fx.LoadOk("""
            services:
              worker:
                image: busybox
                command: sh -c 'echo "hi there"; sleep 1'
                environment: [A=1, B]
                healthcheck:
                  test: pgrep sh
                  disable: false
            """, "compose.yml");
        Assert.Equal(Naming.KubeNames.Label(Path.GetFileName(fx.Dir), 40), spec.Name);
        var worker = spec["worker"]!;
        Assert.Null(worker.Command);
        Assert.Equal(["sh", "-c", "echo \"hi there\"; sleep 1"], worker.Args);
        Assert.Equal([new EnvVar("A", "1"), new EnvVar("B", string.Empty)], worker.Env);
        Assert.Equal(["sh", "-c", "pgrep sh"], worker.Readiness!.Exec);
    }

    [Fact]
    public void Load_ComposeSharedVolumeAndFileMount_AreWarnings()
    {
        var result = fx.Load("""
            services:
              a:
                image: busybox
                volumes: [data:/data, ./notes.txt:/notes.txt, /anon]
              b:
                image: busybox
                volumes: [data:/data]
            volumes:
              data: { driver: local }
            """, "docker-compose.yml");
        Assert.True(result.Success);
        Lines.Equal(
            [
                "docker-compose.yml:9:11: volumes.data.driver: \"driver\" is not supported by yak and is ignored (volumes are PersistentVolumeClaims of the cluster's default storage class)",
                "docker-compose.yml:4:27: services.a.volumes[1]: \"./notes.txt\" is a file; yak syncs folders only, so this mount is ignored",
                "docker-compose.yml:4:51: services.a.volumes[2]: anonymous volume at /anon is ignored; name it (and declare it under top-level volumes) to keep its data",
                "docker-compose.yml:7:15: services.b.volumes[0]: volume \"data\" is also used by a; on Kubernetes each service gets its own copy",
            ],
            fx.Relative(result.Warnings));
    }

    [Fact]
    public void Load_MissingEnvFile_IsAnErrorUnlessOptional()
    {
        var errors = fx.Errors("""
            services:
              a:
                image: busybox
                env_file: [missing.env, { path: also-missing.env, required: false }]
            """, "docker-compose.yml");
        Lines.Equal(["docker-compose.yml:4:16: services.a.env_file[0]: env file \"missing.env\" does not exist (resolved to missing.env)"], errors);
    }
}
