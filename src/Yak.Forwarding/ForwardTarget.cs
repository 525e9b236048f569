namespace Yak.Forwarding;

/// <summary>What a forward points at: one pod by name, pods by label selector, or a Service (its selector).</summary>
public abstract record ForwardTarget(string Namespace)
{
    /// <summary>A single pod by name; when it is deleted and re-created under the same name, the new one is used.</summary>
    public static ForwardTarget Pod(string ns, string name) => new PodForwardTarget(ns, name);

    /// <summary>Pods matching equality labels (e.g. a Deployment's <c>matchLabels</c>).</summary>
    public static ForwardTarget Selector(string ns, IReadOnlyDictionary<string, string> matchLabels) => new SelectorForwardTarget(ns, matchLabels);

    /// <summary>The pods of a Service (its <c>spec.selector</c>, re-read when the watch restarts).</summary>
    public static ForwardTarget Service(string ns, string name) => new ServiceForwardTarget(ns, name);

    /// <summary>How the target is shown to users, e.g. <c>svc/web</c>.</summary>
    public abstract string Describe();
}

public sealed record PodForwardTarget(string Namespace, string Name) : ForwardTarget(Namespace)
{
    public override string Describe() => $"pod/{Name}";
}

public sealed record SelectorForwardTarget(string Namespace, IReadOnlyDictionary<string, string> MatchLabels) : ForwardTarget(Namespace)
{
    /// <summary>The selector in the API's query form, <c>a=b,c=d</c> (sorted, so equal selectors print equally).</summary>
    public string LabelSelector => LabelSelectors.Format(MatchLabels);

    public override string Describe() => LabelSelector;
}

public sealed record ServiceForwardTarget(string Namespace, string Name) : ForwardTarget(Namespace)
{
    public override string Describe() => $"svc/{Name}";
}

internal static class LabelSelectors
{
    public static string Format(IReadOnlyDictionary<string, string> labels) =>
        string.Join(',', labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
}
