using k8s;
using k8s.Exceptions;
using Yak.Kube.Budget;
using Yak.Kube.Credentials;
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
        var path = string.IsNullOrEmpty(target.KubeconfigPath) ? DefaultKubeconfigPath() : target.KubeconfigPath;
        if (!File.Exists(path))
        {
            throw new KubeConnectionException(
                $"No kubeconfig at {path}. Point KUBECONFIG (or --kubeconfig) at one, or start the local cluster with 'yakctl cluster local start'.");
        }

        KubernetesClientConfiguration configuration;
        try
        {
            configuration = Configuration(path, string.IsNullOrEmpty(target.Context) ? null : target.Context);
        }
        catch (KubeConfigException ex)
        {
            throw new KubeConnectionException($"Kubeconfig {path}: {ex.Message}" + (string.IsNullOrEmpty(target.Context) ? "" : $" (asked for context '{target.Context}')"), ex);
        }

        var budget = new KubeRequestBudget(limits ?? KubeRequestLimits.Default);
        return new KubeConnection(new KubeClient(configuration, budget), configuration.Host, configuration.CurrentContext ?? target.Context ?? "(current)") { Budget = budget, Credentials = configuration.TokenProvider as IDisposable };
    }

    // KubernetesClient.Aot reads exec plugins, tokens and certificates; a user's auth-provider oidc is yak's to serve.
    private static KubernetesClientConfiguration Configuration(string path, string? context)
    {
        var kubeconfig = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(path));
        var contextName = context ?? kubeconfig.CurrentContext;
        var userName = kubeconfig.Contexts?.FirstOrDefault(c => c.Name == contextName)?.ContextDetails?.User;
        var user = userName is null ? null : kubeconfig.Users?.FirstOrDefault(u => u.Name == userName);
        if (user?.UserCredentials?.AuthProvider is not { Name: "oidc" } provider)
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigObject(kubeconfig, context);
        }

        var oidc = new OidcTokenProvider(OidcSettings.From(path, user.Name, provider.Config));
        user.UserCredentials.AuthProvider = null;
        // The builder wants credentials it knows; the token provider set below is what requests use.
        user.UserCredentials.Token = oidc.IdToken is { Length: > 0 } held ? held : "renewed-on-first-request";
        var configuration = KubernetesClientConfiguration.BuildConfigFromConfigObject(kubeconfig, context);
        configuration.TokenProvider = oidc;
        return configuration;
    }

    /// <summary>KUBECONFIG's first file, else ~/.kube/config, as kubectl does.</summary>
    public static string DefaultKubeconfigPath()
    {
        var variable = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrEmpty(variable))
        {
            return variable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)[0];
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
    }
}
