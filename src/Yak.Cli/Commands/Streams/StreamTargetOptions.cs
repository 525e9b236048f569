using System.CommandLine;
using Yak.Client;
using Yak.Protocol.Messages;

namespace Yak.Cli.Commands.Streams;

/// <summary>The target options every stream command shares: a service of an environment, or a pod/selector directly.</summary>
internal sealed record StreamTargetOptions(
    Argument<string> Service,
    Option<string> Environment,
    Option<string> Namespace,
    Option<string> Selector,
    Option<string> Container,
    Option<FileInfo> Kubeconfig,
    Option<string> Context)
{
    public static StreamTargetOptions AddTo(Command command)
    {
        var options = new StreamTargetOptions(
            new Argument<string>("service") { Description = "A service of the environment, or pod/NAME (with --namespace: a name for the selector app=NAME)." },
            new Option<string>("--env", "-e") { Description = "The environment (default: the one whose spec is in this folder or above, else the only or most recently updated one)." },
            new Option<string>("--namespace", "-n") { Description = "Target pods directly in this namespace instead of an environment's service." },
            new Option<string>("--selector", "-l") { Description = "Target pods by label selector key=value[,…] (no environment needed)." },
            new Option<string>("--container", "-c") { Description = "The container (default: the service's app container, else the pod's first)." },
            new Option<FileInfo>("--kubeconfig") { Description = "Kubeconfig for direct targets (default: KUBECONFIG or ~/.kube/config)." },
            new Option<string>("--context") { Description = "Kubeconfig context for direct targets (default: its current one)." });
        command.Arguments.Add(options.Service);
        command.Options.Add(options.Environment);
        command.Options.Add(options.Namespace);
        command.Options.Add(options.Selector);
        command.Options.Add(options.Container);
        command.Options.Add(options.Kubeconfig);
        command.Options.Add(options.Context);
        return options;
    }

    /// <summary>
    /// What the user named; without --env and without a direct target's --namespace/--kubeconfig/--context, the
    /// environment of the current folder (pod/NAME then means a pod in its namespace).
    /// </summary>
    public async Task<StreamTargetInfo> ReadAsync(ParseResult parse, DaemonClient client, CancellationToken cancellationToken)
    {
        var named = Read(parse, environment: null);
        var direct = parse.GetValue(Namespace) is not null || parse.GetValue(Kubeconfig) is not null || parse.GetValue(Context) is not null;
        if (named.Environment.Length > 0 || direct)
        {
            return named;
        }

        var here = await FolderEnvironment.FindAsync(client, System.Environment.CurrentDirectory, cancellationToken);
        return here is null ? named : Read(parse, here.Name);
    }

    private StreamTargetInfo Read(ParseResult parse, string? environment)
    {
        var service = parse.GetValue(Service) ?? string.Empty;
        var pod = service.StartsWith("pod/", StringComparison.Ordinal) ? service[4..] : string.Empty;
        return new StreamTargetInfo
        {
            Environment = environment ?? parse.GetValue(Environment) ?? string.Empty,
            Service = pod.Length > 0 ? string.Empty : service,
            Namespace = parse.GetValue(Namespace) ?? string.Empty,
            Selector = parse.GetValue(Selector) ?? string.Empty,
            Pod = pod,
            Container = parse.GetValue(Container) ?? string.Empty,
            Kubeconfig = parse.GetValue(Kubeconfig)?.FullName ?? KubeconfigEnvironment.List() ?? string.Empty,
            Context = parse.GetValue(Context) ?? string.Empty,
        };
    }
}
