using k8s;
using StreamJsonRpc;
using Yak.Daemon.Environments;
using Yak.Daemon.Kube;
using Yak.Daemon.Rpc;
using Yak.Kube;
using Yak.Kube.Pods;
using Yak.Protocol;
using Yak.Protocol.Messages;
using Yak.Protocol.Errors;

namespace Yak.Daemon.Streams;

/// <summary>A stream's target after resolution: either one <see cref="Pod"/> or a <see cref="Selector"/>.</summary>
internal sealed record ResolvedTarget(KubeConnection Connection, string Namespace, string Selector, string Pod, string Container, ServiceLocation? Location)
{
    /// <summary>
    /// The pod (given, or the newest Ready one of the selector), the container (given, else the app's), and whether
    /// that container has a terminal.
    /// </summary>
    public async Task<(string Pod, string Container, bool Tty)> PickAsync(CancellationToken cancellationToken)
    {
        try
        {
            var pod = Pod.Length > 0 ? Pod : await PodPicker.PickAsync(Connection, Namespace, Selector, PodPolicy.Ready, cancellationToken);
            var spec = (await Connection.Client.CoreV1.ReadNamespacedPodAsync(pod, Namespace, cancellationToken: cancellationToken)).Spec;
            var chosen = Container.Length == 0
                ? spec.Containers.FirstOrDefault(c => c.Name != PodPicker.SidecarContainerName) ?? spec.Containers[0]
                : spec.Containers.FirstOrDefault(c => c.Name == Container);
            return chosen is not null
                ? (pod, chosen.Name, chosen.Tty == true)
                : throw new NotFoundException($"Pod {pod} has no container '{Container}' (containers: {string.Join(", ", spec.Containers.Select(c => c.Name))}).");
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            throw new NotFoundException($"No pod {Pod} in {Namespace}.");
        }
        catch (KubeConnectionException ex)
        {
            throw new OperationFailedException(ex.Message, ex, YakErrors.ClusterUnreachable);
        }
        catch (IOException ex)
        {
            throw new NotFoundException(ex.Message);
        }
    }
}

/// <summary>
/// Turns what a client named (an environment's service, or a namespace with a pod or selector) into a cluster
/// connection, namespace, selector or pod, and container.
/// </summary>
internal sealed class StreamTargets(KubeConnections kube, EnvironmentManager environments)
{
    public ResolvedTarget Resolve(StreamTargetInfo target)
    {
        var explicitTarget = target.Namespace.Length > 0 || target.Selector.Length > 0 || target.Pod.Length > 0 || target.Service.StartsWith("pod/", StringComparison.Ordinal);
        if (!explicitTarget)
        {
            if (target.Service.Length == 0)
            {
                throw Invalid("Name a service, or a target with a namespace and a selector or pod.");
            }

            var location = environments.LocateService(target.Environment, target.Service);
            return new ResolvedTarget(Connect(location.Kubeconfig, location.Context), location.Namespace, location.Selector, string.Empty, target.Container.Length > 0 ? target.Container : location.AppContainer, location);
        }

        var pod = target.Pod.Length > 0 ? target.Pod : target.Service.StartsWith("pod/", StringComparison.Ordinal) ? target.Service[4..] : string.Empty;
        if (pod.StartsWith("pod/", StringComparison.Ordinal))
        {
            pod = pod[4..];
        }

        var selector = pod.Length > 0 ? string.Empty : target.Selector.Length > 0 ? target.Selector : target.Service.Length > 0 ? $"app={target.Service}" : string.Empty;
        if (pod.Length == 0 && selector.Length == 0)
        {
            throw Invalid("Name a pod (pod/NAME) or a selector (key=value).");
        }

        if (target.Namespace.Length == 0 && target.Environment.Length > 0)
        {
            // pod/NAME or a selector within an environment: its cluster and namespace, as `forward add` does.
            var place = environments.LocateEnvironment(target.Environment);
            return new ResolvedTarget(Connect(place.Kubeconfig, place.Context), place.Namespace, selector, pod, target.Container, null);
        }

        return new ResolvedTarget(Connect(target.Kubeconfig, target.Context), target.Namespace.Length > 0 ? target.Namespace : "default", selector, pod, target.Container, null);
    }

    public static InvalidArgumentException Invalid(string message) => new(message);

    private KubeConnection Connect(string kubeconfig, string context)
    {
        try
        {
            return kube.Get(kubeconfig, context);
        }
        catch (KubeConnectionException ex)
        {
            throw new OperationFailedException(ex.Message, ex, YakErrors.ClusterUnreachable);
        }
    }
}
