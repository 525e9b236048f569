using Microsoft.Extensions.DependencyInjection;
using Yak.Daemon.Configuration;
using Yak.Protocol.Transport;
using Yak.Testing;

namespace Yak.Daemon.Tests.Configuration;

/// <summary>config.yaml through the options pattern: strict keys with did-you-mean, validation, reload on change.</summary>
public sealed class ConfigFileTests : IDisposable
{
    private readonly TempDirectory home = new("yak-config-");

    private string ConfigPath => Path.Combine(home.Path, "config", "yak", ConfigFilePath.FileName);

    public void Dispose() => home.Dispose();

    [Fact]
    public void Read_UnknownKey_ErrorAtItsLineWithTheClosestKey()
    {
        Write("owner: alice\nclusters:\n  - name: lab\n    capcity: 2\n");

        var error = Assert.Throws<InvalidOperationException>(() => ConfigFileReader.Read(ConfigPath));

        Assert.Contains($"{ConfigPath}:4:5: unknown key 'capcity' in a cluster (did you mean \"capacity\"?)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("telemetry:\n  otlp:\n    endpont: http://127.0.0.1:4318\n", "unknown key 'endpont' in telemetry.otlp")]
    [InlineData("telemetry:\n  otlp:\n    endpoint: collector:4318\n", "telemetry.otlp.endpoint: 'collector:4318' is not an http(s) URL")]
    [InlineData("telemetry:\n  otlp:\n    endpoint: http://127.0.0.1:4318\n    signals: [logs]\n", "telemetry.otlp.signals: 'logs' is not one of traces, metrics")]
    [InlineData("telemetry:\n  otlp:\n    endpoint: http://127.0.0.1:4318\n    protocol: http/json\n", "telemetry.otlp.protocol: 'http/json' is not one of http/protobuf, grpc")]
    public void Read_BadTelemetry_SaysWhatAndWhere(string yaml, string expected)
    {
        Write(yaml);

        var error = Assert.Throws<InvalidOperationException>(() => ConfigFileReader.Read(ConfigPath));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownTopLevelKey_ListsTheKnownOnes()
    {
        Write("ownr: alice\n");

        var error = Assert.Throws<InvalidOperationException>(() => ConfigFileReader.Read(ConfigPath));

        Assert.Contains("unknown key 'ownr' in the top level (did you mean \"owner\"?); known keys: owner, sidecarCommand, agent, clusters, telemetry.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_50000NestedBrackets_ErrorAtItsLineInsteadOfStackOverflow()
    {
        Write("owner: alice\nclusters: " + new string('[', 50_000) + new string(']', 50_000) + "\n");

        var error = Assert.Throws<InvalidOperationException>(() => ConfigFileReader.Read(ConfigPath));

        Assert.StartsWith($"{ConfigPath}:2:", error.Message, StringComparison.Ordinal);
        Assert.Contains("nested more than 100 levels deep", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_AliasesExpandingToBillions_IsRefused()
    {
        var yaml = new System.Text.StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var level = 1; level < 9; level++)
        {
            yaml.Append($"a{level}: &a{level} [{string.Join(", ", Enumerable.Repeat($"*a{level - 1}", 10))}]\n");
        }

        Write(yaml.ToString());

        var error = Assert.Throws<InvalidOperationException>(() => ConfigFileReader.Read(ConfigPath));

        Assert.Contains("once its aliases are expanded", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_LinkToDevZero_RefusedAsNotARegularFile()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        File.CreateSymbolicLink(ConfigPath, "/dev/zero");

        var error = Assert.Throws<InvalidOperationException>(() => ConfigFileReader.Read(ConfigPath));

        Assert.Contains("not a regular file (/dev/zero)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Fifo_RefusedWithoutWaitingForAWriter()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        Assert.Equal(0, Mkfifo(ConfigPath, 0b_110_000_000));

        var error = Assert.Throws<InvalidOperationException>(() => ConfigFileReader.Read(ConfigPath));

        Assert.Contains("not a regular file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_LargerThanTheLimit_Refused()
    {
        Write("owner: alice\n" + new string('#', (int)ConfigFileReader.MaxBytes));

        var error = Assert.Throws<InvalidOperationException>(() => ConfigFileReader.Read(ConfigPath));

        Assert.Contains($"more than {ConfigFileReader.MaxBytes} bytes", error.Message, StringComparison.Ordinal);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int Mkfifo(string path, uint mode);

    [Fact]
    public void Read_MissingFile_EmptyConfig()
    {
        var config = ConfigFileReader.Read(ConfigPath);

        Assert.Null(config.Owner);
        Assert.Empty(config.Clusters);
    }

    [Fact]
    public void Read_FullFile_EveryKeyRead()
    {
        Write("owner: alice\nsidecarCommand: [yak-agent, serve]\nclusters:\n  - name: eu\n    kubeconfig: /k\n    context: eu-1\n    capacity: 3\n    zone: z1\n    taints: [{ key: dedicated, value: dev, effect: NoSchedule }]\n");

        var config = ConfigFileReader.Read(ConfigPath);

        var cluster = Assert.Single(config.Clusters);
        Assert.Equal(("alice", "eu", "/k", "eu-1", 3, "z1"), (config.Owner, cluster.Name, cluster.Kubeconfig, cluster.Context, cluster.Capacity, cluster.Zone));
        Assert.Equal("dedicated", Assert.Single(cluster.Taints!).Key);
        Assert.Equal(["yak-agent", "serve"], config.SidecarCommand);
    }

    [Fact]
    public void Read_EveryTelemetryAndAgentKey_ReadAsWritten()
    {
        Write("""
            agent: { baseImage: registry.corp/busybox:1.37.0 }
            clusters:
              - name: eu
                agent:
                  image: registry.corp/yak-agent:0.1.0
            telemetry:
              otlp:
                endpoint: https://otel.corp:4318
                protocol: grpc
                headers: { x-team: yak, authorization: "Bearer t0k" }
                signals: [traces]
                exportIntervalSeconds: 15
            """);

        var config = ConfigFileReader.Read(ConfigPath);

        var otlp = config.Telemetry!.Otlp!;
        Assert.Equal(("https://otel.corp:4318", "grpc", 15), (otlp.Endpoint, otlp.Protocol, otlp.ExportIntervalSeconds));
        Assert.Equal(new Dictionary<string, string> { ["x-team"] = "yak", ["authorization"] = "Bearer t0k" }, otlp.Headers);
        Assert.Equal(["traces"], otlp.Signals);
        Assert.Equal("registry.corp/busybox:1.37.0", config.Agent!.BaseImage);
        Assert.Equal("registry.corp/yak-agent:0.1.0", config.AgentFor("eu").Image);
        Assert.Equal("registry.corp/busybox:1.37.0", config.AgentFor("eu").BaseImage);
    }

    [Fact]
    public void Read_KeysWithoutValues_ReadAsAbsent()
    {
        Write("owner:\nsidecarCommand: ~\nclusters:\n  - name: lab\n    zone: null\n    taints:\ntelemetry:\n  otlp:\n");

        var config = ConfigFileReader.Read(ConfigPath);

        Assert.Null(config.Owner);
        Assert.Null(config.SidecarCommand);
        var cluster = Assert.Single(config.Clusters);
        Assert.Equal(("lab", null, null, 0), (cluster.Name, cluster.Zone, cluster.Taints, cluster.Capacity));
        Assert.Null(config.Telemetry!.Otlp);
    }

    [Theory]
    [InlineData("clusters:\n  - name: lab\n    capacity: lots\n", ":3:15: capacity must be a whole number, not 'lots'")]
    [InlineData("clusters:\n  - name: lab\n    capacity: [2]\n", ":3:15: capacity must be a single value, not a list or mapping")]
    [InlineData("owner: [alice, bob]\n", ":1:8: owner must be a single value")]
    [InlineData("sidecarCommand: yak-agent serve\n", ":1:17: sidecarCommand must be a list")]
    [InlineData("clusters:\n  name: lab\n", ":2:3: clusters must be a list")]
    [InlineData("sidecarCommand: [yak-agent, [serve]]\n", ":1:29: each item of sidecarCommand must be a single value")]
    public void Read_ValueOfTheWrongKind_ErrorAtItsLineSaysWhatItMustBe(string yaml, string expected)
    {
        Write(yaml);

        var error = Assert.Throws<InvalidOperationException>(() => ConfigFileReader.Read(ConfigPath));

        Assert.Contains(ConfigPath + expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Current_FileChanged_NewValueAtTheNextUse()
    {
        Write("owner: a\n");
        using var services = Services();
        var configuration = services.GetRequiredService<DaemonConfiguration>();
        Assert.Equal("a", configuration.Current.Owner);

        Write("owner: bob\n");

        Assert.Equal("bob", configuration.Current.Owner);
    }

    [Fact]
    public void Current_FileBrokenThenFixed_ErrorWhileBrokenThenTheFixedValue()
    {
        Write("owner: a\n");
        using var services = Services();
        var configuration = services.GetRequiredService<DaemonConfiguration>();
        Assert.Equal("a", configuration.Current.Owner);

        Write("owner: a\nclusterz: []\n");
        var error = Assert.Throws<InvalidOperationException>(() => configuration.Current);
        Write("owner: fixed\n");

        Assert.Contains("unknown key 'clusterz' in the top level (did you mean \"clusters\"?)", error.Message, StringComparison.Ordinal);
        Assert.Equal("fixed", configuration.Current.Owner);
    }

    [Fact]
    public void Current_DuplicateClusterNames_ValidationErrorNamesTheCluster()
    {
        Write("clusters:\n  - name: lab\n  - name: lab\n");
        using var services = Services();

        var error = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<DaemonConfiguration>().Current);

        Assert.Contains("cluster 'lab' is named 2 times", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Current_Unchanged_ReadOnce()
    {
        Write("owner: a\n");
        using var services = Services();
        var configuration = services.GetRequiredService<DaemonConfiguration>();

        var first = configuration.Current;
        var second = configuration.Current;

        Assert.Same(first, second);
    }

    private void Write(string yaml)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        File.WriteAllText(ConfigPath, yaml);
    }

    private ServiceProvider Services()
    {
        var endpoint = DaemonEndpoint.Resolve(name => name switch
        {
            "HOME" => home.Path,
            "XDG_CONFIG_HOME" => Path.Combine(home.Path, "config"),
            "XDG_STATE_HOME" => Path.Combine(home.Path, "state"),
            _ => null,
        });
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(endpoint);
        services.AddDaemonConfiguration();
        return services.BuildServiceProvider();
    }
}
