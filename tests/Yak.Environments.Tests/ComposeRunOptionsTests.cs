using Yak.Environments.Compose;
using Yak.Environments.Spec;

namespace Yak.Environments.Tests;

/// <summary>compose's depends_on conditions, deploy (replicas, resources), scale and profiles, honoured instead of warned away.</summary>
public sealed class ComposeRunOptionsTests : IDisposable
{
    private readonly SpecFixture fx = new();

    public void Dispose() => fx.Dispose();

    [Fact]
    public void Load_DependsOnForms_ConditionsAndRequiredKept()
    {
        var result = fx.Load("""
            services:
              web:
                image: nginx
                depends_on:
                  db: { condition: service_healthy }
                  migrate: { condition: service_completed_successfully, restart: true }
                  cache: { condition: service_started, required: false }
              worker:
                image: busybox
                depends_on: [db]
              db:
                image: postgres
                healthcheck: { test: ["CMD", "pg_isready"] }
              migrate:
                image: busybox
                depends_on:
                  db:
              cache:
                image: redis
            """, "compose.yaml");

        Assert.True(result.Success, string.Join("\n", fx.Relative(result.Errors)));
        var spec = result.Spec!;
        Assert.Equal(["db", "migrate", "cache"], spec["web"]!.DependsOn);
        Assert.Equal(new ServiceDependency("db", DependencyCondition.Ready, true), spec["web"]!.DependencyOn("db"));
        Assert.Equal(new ServiceDependency("migrate", DependencyCondition.Completed, true), spec["web"]!.DependencyOn("migrate"));
        Assert.Equal(new ServiceDependency("cache", DependencyCondition.Started, false), spec["web"]!.DependencyOn("cache"));

        // The short forms are compose's default: started.
        Assert.Equal(DependencyCondition.Started, spec["worker"]!.DependencyOn("db").Condition);
        Assert.Equal(DependencyCondition.Started, spec["migrate"]!.DependencyOn("db").Condition);
        Lines.Equal(
            [
                "compose.yaml:6:61: services.web.depends_on.migrate.restart: \"restart\" is not supported by yak and is ignored (a dependent is not restarted when its dependency is updated)",
                "compose.yaml:6:7: services.web.depends_on.migrate: migrate runs as a Deployment: Kubernetes starts its command again after it exits (with back-off), so it must be safe to repeat; web waits for its first exit with 0",
            ],
            fx.Relative(result.Warnings));
    }

    [Fact]
    public void Load_HealthyWithoutHealthcheck_WarnsWhatItWaitsFor()
    {
        var result = fx.Load("""
            services:
              web:
                image: nginx
                depends_on: { db: { condition: service_healthy } }
              db:
                image: postgres
            """, "compose.yaml");
        Assert.True(result.Success);
        Lines.Equal(
            ["compose.yaml:4:19: services.web.depends_on.db: db has no healthcheck: service_healthy waits until its pods are Ready, which without a probe is as soon as they run"],
            fx.Relative(result.Warnings));
    }

    [Fact]
    public void Load_DeployReplicasResourcesAndScale_Honoured()
    {
        var result = fx.Load("""
            services:
              web:
                image: nginx
                deploy:
                  replicas: 3
                  resources:
                    limits: { cpus: "0.5", memory: 512m }
                    reservations: { cpus: "0.25", memory: 1g, pids: 10 }
                  restart_policy: { condition: on-failure }
              worker:
                image: busybox
                scale: 2
              idle:
                image: busybox
                deploy: { replicas: 0 }
            """, "compose.yaml");

        Assert.True(result.Success, string.Join("\n", fx.Relative(result.Errors)));
        var spec = result.Spec!;
        Assert.Equal(3, spec["web"]!.Replicas);
        Assert.Equal(new ResourceSpec("0.25", "1Gi", "0.5", "512Mi"), spec["web"]!.Resources);
        Assert.Equal(2, spec["worker"]!.Replicas);
        Assert.Equal(0, spec["idle"]!.Replicas);
        Lines.Equal(
            [
                "compose.yaml:8:51: services.web.deploy.resources.reservations.pids: \"pids\" is not supported by yak and is ignored",
                "compose.yaml:9:7: services.web.deploy.restart_policy: \"restart_policy\" is not supported by yak and is ignored",
            ],
            fx.Relative(result.Warnings));
    }

    [Fact]
    public void Load_BadRunOptions_AreLocatedErrors()
    {
        var errors = fx.Errors("""
            services:
              web:
                image: nginx
                scale: 2
                deploy: { replicas: 3, resources: { limits: { memory: lots, cpus: "-1" } } }
                depends_on: { db: { condition: service_ready } }
                profiles: ["-debug"]
              db:
                image: postgres
            """, "compose.yaml");
        Lines.Equal(
            [
                "compose.yaml:5:25: services.web.deploy.replicas: 3 replicas here, but 2 given by the service's other replica key (scale / deploy.replicas); give one",
                "compose.yaml:5:59: services.web.deploy.resources.limits.memory: expected a size such as 512m or 1g (compose's byte units b, k, m, g), got \"lots\"",
                "compose.yaml:5:71: services.web.deploy.resources.limits.cpus: expected a CPU count such as 0.5 or 2, got \"-1\"",
                "compose.yaml:6:36: services.web.depends_on.db.condition: expected one of service_started, service_healthy, service_completed_successfully, got \"service_ready\" (did you mean \"service_healthy\"?)",
                "compose.yaml:7:16: services.web.profiles[0]: expected a profile name of letters, digits, '_', '.' and '-' (starting with a letter or digit), got \"-debug\"",
            ],
            errors);
    }

    [Theory]
    [InlineData("512m", "512Mi")]
    [InlineData("1G", "1Gi")]
    [InlineData("100kb", "100Ki")]
    [InlineData("1048576", "1048576")]
    [InlineData("2048b", "2048")]
    public void MemoryQuantity_ComposeByteUnits_AreBinaryQuantities(string compose, string kubernetes) =>
        Assert.Equal(kubernetes, ComposeServiceOptions.MemoryQuantity(compose));

    [Fact]
    public void Select_Profiles_ServicesWithoutProfilesAlwaysRunAndOthersOnlyWhenActive()
    {
        var spec = fx.LoadOk("""
            services:
              web:
                image: nginx
                depends_on:
                  db: { condition: service_healthy }
                  mail: { condition: service_started, required: false }
              db:
                image: postgres
              mail:
                image: mailhog
                profiles: [dev]
              admin:
                image: pgadmin
                profiles: [tools, dev]
            """, "compose.yaml");
        Assert.Equal(["dev", "tools"], ProfileSelection.Declared(spec));

        var plain = ProfileSelection.Select(spec, [], out var none);
        Assert.Empty(none);
        Assert.Equal(["web", "db"], plain.Services.Select(s => s.Name));
        Assert.Equal(["db"], plain["web"]!.DependsOn);

        var tools = ProfileSelection.Select(spec, ["tools"], out _);
        Assert.Equal(["web", "db", "admin"], tools.Services.Select(s => s.Name));

        var dev = ProfileSelection.Select(spec, ["dev"], out _);
        Assert.Equal(["web", "db", "mail", "admin"], dev.Services.Select(s => s.Name));
        Assert.Equal(["db", "mail"], dev["web"]!.DependsOn);
        Assert.Equal(4, ProfileSelection.Select(spec, [ProfileSelection.All], out _).Services.Count);
    }

    [Fact]
    public void Select_UnknownProfileOrRequiredDependencyLeftOut_SaysTheFix()
    {
        var spec = fx.LoadOk("""
            services:
              web:
                image: nginx
                depends_on: [mail]
              mail:
                image: mailhog
                profiles: [dev]
            """, "compose.yaml");

        ProfileSelection.Select(spec, ["dve"], out var problems);

        Assert.Equal(
            [
                $"no service of {spec.SourceFile} has the profile \"dve\" (did you mean \"dev\"?) (profiles: dev).",
                "web depends on mail, which runs only with --profile dev; add one of those, or make the dependency 'required: false'.",
            ],
            problems);
    }
}
