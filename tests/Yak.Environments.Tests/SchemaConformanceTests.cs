using System.Text.Json;
using Yak.Environments.Schema;

namespace Yak.Environments.Tests;

/// <summary>The schema accepts what the loader accepts and rejects what it rejects (for the schema-checkable rules).</summary>
public sealed class SchemaConformanceTests : IDisposable
{
    private static readonly MiniSchemaValidator Validator = new(JsonDocument.Parse(YakSchema.Read()).RootElement);

    private readonly SpecFixture fx = new();

    public void Dispose() => fx.Dispose();

    public static TheoryData<string> Valid => new()
    {
        """
        name: shop
        x-note: extensions are fine
        services:
          web:
            image: python:3.12
            command: python3 -m http.server 8080
            args: [--bind, 0.0.0.0]
            workingDir: /app
            env: { A: 1, B: two, C: true }
            ports: [8080, "9090:90", "53/udp", { port: 7000, local: 17000, name: admin, protocol: TCP }]
            sync:
              - ./web:/app
              - { from: api, to: /srv/api, exclude: [node_modules/], initialSync: true, readOnly: true }
            volumes: [data:/data, { name: cache, size: 5Gi, mountPath: /cache }]
            readiness: { httpGet: { path: /healthz, port: 8080 }, periodSeconds: 2, failureThreshold: 5, initialDelaySeconds: 0, timeoutSeconds: 1 }
            dependsOn: [db]
            resources: { requests: { cpu: 100m, memory: 128Mi }, limits: { cpu: 1, memory: 1Gi } }
            replicas: 2
          db:
            image: postgres:16
            env: ["POSTGRES_PASSWORD=secret", { name: PGDATA, value: /data/pg }]
            readiness: { exec: [pg_isready] }
            dependsOn: cache
          cache:
            image: redis
            readiness: { tcp: 6379 }
        """,
        "services:\n  a:\n    image: x\n    readiness: { tcp: { port: 1 } }\n",
        "services:\n  a:\n    image: node\n    debug: node\n",
        "services:\n  a:\n    image: x\n    command: [python3, app.py]\n    debug: { runtime: python, port: 5679, local: 15679, env: { A: 1 } }\n",
        "services:\n  a:\n    image: x\n    command: [/app/server]\n    debug: { go: go, wait: { runtime: dotnet, command: [netcoredbg, --server=4711] } }\n",
    };

    public static TheoryData<string> Invalid => new()
    {
        "services:\n  web:\n    image: nginx\n    ports: [http]\n",
        "services:\n  web:\n    imgae: nginx\n",
        "services:\n  web:\n    image: nginx\n    readiness: { httpGet: { port: 80 }, tcp: 81 }\n",
        "services:\n  web:\n    image: nginx\n    readiness: { periodSeconds: 1 }\n",
        "services:\n  Web:\n    image: nginx\n",
        "services: {}\n",
        "name: Shop\nservices:\n  web: { image: nginx }\n",
        "services:\n  web:\n    image: nginx\n    volumes: [{ name: data, size: big, mountPath: /data }]\n",
        "services:\n  web:\n    image: nginx\n    sync: [{ from: web, to: relative }]\n",
        "services:\n  web:\n    image: nginx\n    replicas: 1000\n",
        "services:\n  web:\n    image: nginx\n    env: { A: [1] }\n",
        "services:\n  web:\n    image: nginx\n    debug: ruby\n",
        "services:\n  web:\n    image: node\n    debug: { runtime: node, prot: 1 }\n",
        "services:\n  web:\n    image: node\n    debug: { one: { port: 1 } }\n",
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Schema_SpecTheLoaderAccepts_IsValid(string yaml)
    {
        fx.LoadOk(yaml);
        Assert.Empty(Validator.Validate(MiniSchemaValidator.YamlToJson(yaml)));
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Schema_SpecTheLoaderRejects_IsInvalid(string yaml)
    {
        Assert.NotEmpty(fx.Errors(yaml));
        Assert.NotEmpty(Validator.Validate(MiniSchemaValidator.YamlToJson(yaml)));
    }

    [Fact]
    public void Schema_ShopExample_IsValid()
    {
        var yaml = File.ReadAllText(Path.Combine(SchemaTests.RepoRoot(), "examples", "shop", "yak.yaml"));
        Assert.Empty(Validator.Validate(MiniSchemaValidator.YamlToJson(yaml)));
    }
}
