using Microsoft.Extensions.Logging;
using Serilog.Extensions.Logging;
using Yak.Daemon.Hosting;
using Yak.Protocol.Transport;
using Yak.Testing;

namespace Yak.Daemon.Tests.Logging;

/// <summary>The safety net under yakd's log sinks: whatever a call site or a library lets through is masked.</summary>
public sealed class SecretMaskingTests
{
    private const string Token = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0.yak-token-7d1e";

    [Theory]
    [InlineData("Authorization: Bearer " + Token)]
    [InlineData("users:\n- name: u\n  user:\n    token: " + Token + "\n")]
    [InlineData("{\"token\":\"" + Token + "\"}")]
    [InlineData("    client-key-data: " + Token)]
    [InlineData("GET /api/v1/namespaces/d/pods/p/exec?command=mysql&command=-p" + Token + "&stdout=true")]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\n" + Token + "\n-----END RSA PRIVATE KEY-----")]
    [InlineData("login with password=" + Token)]
    public void Apply_TextCarryingASecret_MasksIt(string text)
    {
        var masked = SecretMasking.Apply(text);

        Assert.DoesNotContain(Token, masked, StringComparison.Ordinal);
        Assert.Contains(SecretMasking.Mask, masked, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_ExecUrl_KeepsTheCommandName()
    {
        var masked = SecretMasking.Apply("/exec?command=mysql&command=-pSECRET");

        Assert.Equal("/exec?command=mysql&command=***", masked);
    }

    [Fact]
    public void Apply_PlainLine_IsUnchanged()
    {
        const string Line = "exec stream started: default/shell/app: mysql (+1 argument)";

        Assert.Equal(Line, SecretMasking.Apply(Line));
    }

    [Fact]
    public async Task DaemonLog_SecretsInPropertiesTemplatesAndExceptions_NeverReachTheFile()
    {
        using var sandbox = new YakSandbox();
        var environment = sandbox.Environment();
        var endpoint = DaemonEndpoint.Resolve(name => environment.TryGetValue(name, out var value) ? value : null);
        using (var serilog = DaemonLogging.Create(endpoint, console: false))
        {
            using var factory = new SerilogLoggerFactory(serilog);
            var logger = factory.CreateLogger("test");
#pragma warning disable CA1848, CA2254 // deliberately what a careless call site would do
            logger.LogWarning("request failed: {Request}", $"GET https://127.0.0.1/x with Authorization: Bearer {Token}");
            logger.LogWarning($"kubeconfig was: token: {Token}");
            logger.LogError(new InvalidOperationException($"exec?command=sh&command={Token} failed"), "exec of {Command} failed", "sh");
#pragma warning restore CA1848, CA2254
        }

        var text = string.Concat(await Task.WhenAll(Directory.GetFiles(sandbox.LogDirectory).Select(f => File.ReadAllTextAsync(f))));
        Assert.Contains("exec of sh failed", text, StringComparison.Ordinal);
        Assert.Contains("request failed", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, text, StringComparison.Ordinal);
    }
}
