namespace Yak.Kube;

/// <summary>Which cluster: a kubeconfig file (null = KUBECONFIG or ~/.kube/config) and a context in it (null = its current context).</summary>
public sealed record KubeTarget(string? KubeconfigPath, string? Context)
{
    public static KubeTarget Default { get; } = new(null, null);

    public override string ToString() =>
        $"context {(string.IsNullOrEmpty(Context) ? "(current)" : Context)}{(string.IsNullOrEmpty(KubeconfigPath) ? "" : $" in {KubeconfigPath}")}";
}
