using System.Security.Cryptography;
using k8s;
using k8s.Exceptions;
using Yak.Kube.Budget;
using Yak.Kube.Credentials;
using Yak.Kube.Kubeconfig;
using Yak.Kube.Watching;

namespace Yak.Kube;

/// <summary>A client for one cluster, plus what to tell the user about it.</summary>
public sealed record KubeConnection(IKubernetes Client, string Server, string Context) : IDisposable
{
    /// <summary>The shared list/watches of this cluster (one per namespace and kind), for everything in yakd that follows objects.</summary>
    public KubeInformers Informers { get; } = new(Client);

    /// <summary>The request budget every HTTP request of <see cref="Client"/> goes through (null for a client built elsewhere).</summary>
    public KubeRequestBudget? Budget { get; init; }

    /// <summary>What renews the user's token (auth-provider oidc), disposed with the client.</summary>
    internal IDisposable? Credentials { get; init; }

    public void Dispose()
    {
        // Stops the informers' loops (their requests are cancelled) before the client goes.
        Informers.Stop();
        Client.Dispose();
        Credentials?.Dispose();
    }

    /// <summary>Wraps a transport failure in a message that names the context and what to try.</summary>
    public KubeConnectionException Unreachable(Exception inner) => new(
        $"The cluster of context '{Context}' at {Server} does not answer ({inner.GetBaseException().Message}). " +
        $"Check it with 'kubectl --context {Context} get namespaces'; for the local cluster, 'yakctl cluster local start'.",
        inner);
}

/// <summary>Builds KubernetesClient clients from kubeconfig files, with clear errors for a missing file or context.</summary>
public static class KubeClientFactory
{
    /// <param name="limits">The client-side request budget; <see cref="KubeRequestLimits.Default"/> when null.</param>
    public static KubeConnection Create(KubeTarget target, KubeRequestLimits? limits = null)
    {
        var configuration = Configuration(target);
        var budget = new KubeRequestBudget(limits ?? KubeRequestLimits.Default);
        return new KubeConnection(new KubeClient(configuration, budget), configuration.Host, configuration.CurrentContext ?? target.Context ?? "(current)") { Budget = budget, Credentials = configuration.TokenProvider as IDisposable };
    }

    /// <summary>
    /// The client configuration of <paramref name="target"/>: its kubeconfig files merged as kubectl merges them, the
    /// context picked, credentials set up (KubernetesClient.Aot reads exec plugins, tokens and certificates; a user's
    /// auth-provider oidc is yak's to serve). The caller disposes <see cref="KubernetesClientConfiguration.TokenProvider"/>
    /// when it is disposable.
    /// </summary>
    /// <exception cref="KubeConnectionException">What is wrong with the kubeconfig or the context, naming the file.</exception>
    public static KubernetesClientConfiguration Configuration(KubeTarget target)
    {
        var kubeconfig = KubeconfigLoader.Load(string.IsNullOrEmpty(target.KubeconfigPath) ? DefaultKubeconfigPath() : target.KubeconfigPath);
        var context = string.IsNullOrEmpty(target.Context) ? null : target.Context;
        try
        {
            return Configuration(kubeconfig, context);
        }
        catch (Exception ex) when (ex is KubeConfigException or FormatException or CryptographicException)
        {
            throw new KubeConnectionException($"Kubeconfig {kubeconfig.Description}: {ex.Message}" + (context is null ? "" : $" (asked for context '{context}')"), ex);
        }
    }

    private static KubernetesClientConfiguration Configuration(LoadedKubeconfig loaded, string? context)
    {
        var kubeconfig = loaded.Config;
        var contextName = context ?? kubeconfig.CurrentContext;
        var userName = kubeconfig.Contexts?.FirstOrDefault(c => c.Name == contextName)?.ContextDetails?.User;
        var user = userName is null ? null : kubeconfig.Users?.FirstOrDefault(u => u.Name == userName);
        if (user?.UserCredentials?.AuthProvider is not { Name: "oidc" } provider)
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigObject(kubeconfig, context);
        }

        // Renewed tokens go back to the file that defines the user, as kubectl writes them.
        var oidc = new OidcTokenProvider(OidcSettings.From(loaded.UserFiles[user.Name], user.Name, provider.Config));
        user.UserCredentials.AuthProvider = null;
        // The builder wants credentials it knows; the token provider set below is what requests use.
        user.UserCredentials.Token = oidc.IdToken is { Length: > 0 } held ? held : "renewed-on-first-request";
        var configuration = KubernetesClientConfiguration.BuildConfigFromConfigObject(kubeconfig, context);
        configuration.TokenProvider = oidc;
        return configuration;
    }

    /// <summary>KUBECONFIG (a list of files, merged), else ~/.kube/config, as kubectl does.</summary>
    public static string DefaultKubeconfigPath()
    {
        var variable = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrWhiteSpace(variable))
        {
            return variable;
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
    }
}
