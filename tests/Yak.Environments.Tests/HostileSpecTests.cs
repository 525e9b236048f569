using System.Diagnostics;
using System.Text;

namespace Yak.Environments.Tests;

/// <summary>Issue 11: no spec, env file or YAML shape can crash or hang the reader; each is an error naming the file.</summary>
public sealed class HostileSpecTests : IDisposable
{
    private readonly SpecFixture fx = new();

    public void Dispose() => fx.Dispose();

    [Fact]
    public void Load_FiftyThousandNestedBrackets_DepthErrorNotStackOverflow()
    {
        var errors = fx.Errors("name: x\nservices: " + new string('[', 50_000) + new string(']', 50_000) + "\n");
        var error = Assert.Single(errors);
        Assert.StartsWith("yak.yaml:2:", error, StringComparison.Ordinal);
        Assert.Contains($"more than {Yaml.YamlDocumentReader.MaxDepth} levels", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BillionLaughs_ExpansionLimitError()
    {
        var text = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (var level = 'b'; level <= 'j'; level++)
        {
            var previous = (char)(level - 1);
            text.Append($"{level}: &{level} [").Append(string.Join(", ", Enumerable.Repeat($"*{previous}", 10))).Append("]\n");
        }

        var error = Assert.Single(fx.Errors(text.ToString()));
        Assert.Contains("aliases are expanded", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EnvFileIsFifo_ErrorNamesItWithoutHanging()
    {
        using (var mkfifo = Process.Start("mkfifo", Path.Combine(fx.Dir, "fifo.env")))
        {
            mkfifo.WaitForExit();
        }

        var error = Assert.Single(fx.Errors("services:\n  a:\n    image: nginx\n    env_file: fifo.env\n", "docker-compose.yml"));
        Assert.Contains("env file \"fifo.env\" refused: not a regular file", error, StringComparison.Ordinal);
        Assert.StartsWith("docker-compose.yml:4:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EnvFileLinkToDevZero_Refused()
    {
        File.CreateSymbolicLink(Path.Combine(fx.Dir, "zero.env"), "/dev/zero");
        var error = Assert.Single(fx.Errors("services:\n  a:\n    image: nginx\n    env_file: zero.env\n", "docker-compose.yml"));
        Assert.Contains("env file \"zero.env\" refused: it is a symlink", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SpecIsFifo_ErrorInsteadOfHang()
    {
        var path = Path.Combine(fx.Dir, "yak.yaml");
        using (var mkfifo = Process.Start("mkfifo", path))
        {
            mkfifo.WaitForExit();
        }

        var result = EnvironmentSpecLoader.Load(path);
        Assert.Null(result.Spec);
        Assert.Contains("not a regular file", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }
}
