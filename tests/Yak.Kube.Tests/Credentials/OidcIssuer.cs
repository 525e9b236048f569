using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yak.Testing;

namespace Yak.Kube.Tests.Credentials;

/// <summary>
/// An identity provider on loopback HTTP: its discovery document under <c>/issuer</c> names <c>/token</c>, which answers
/// what <see cref="Answer"/> says. Every request is recorded (the discovery document's too).
/// </summary>
internal sealed class OidcIssuer : IAsyncDisposable
{
    private readonly WebApplication app;

    private OidcIssuer(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    public Uri Address { get; }

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>Status and JSON body for a request other than the discovery document.</summary>
    public Func<Request, (int Status, string Body)> Answer { get; set; } = _ => (500, """{"error":"server_error"}""");

    /// <param name="certificate">Serve HTTPS with it (HTTP without).</param>
    public static async Task<OidcIssuer> StartAsync(X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        OidcIssuer? issuer = null;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var request = new Request(
                $"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}",
                await reader.ReadToEndAsync(context.RequestAborted),
                context.Request.Headers.Authorization.ToString());
            issuer!.Requests.Enqueue(request);
            var (status, body) = request.Line == "GET /issuer/.well-known/openid-configuration"
                ? (200, $$"""{"issuer":"{{issuer.Address}}issuer","token_endpoint":"{{issuer.Address}}token"}""")
                : issuer.Answer(request);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body, context.RequestAborted);
        });
        await app.StartAsync().DefaultTimeout();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        issuer = new OidcIssuer(app, new Uri(address.TrimEnd('/') + "/"));
        return issuer;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();

    internal sealed record Request(string Line, string Body, string Authorization);
}
