namespace Yak.Kube.Watching;

/// <summary>
/// A label selector of equality terms (<c>k=v,k2==v2</c>, the form yak gives its workloads), matched against a cached
/// object's labels as the API server would match it in a list.
/// </summary>
public sealed class EqualitySelector
{
    private readonly List<KeyValuePair<string, string>> terms;

    private EqualitySelector(List<KeyValuePair<string, string>> terms) => this.terms = terms;

    /// <summary>Parses <paramref name="text"/>; an <see cref="ArgumentException"/> names a term that is not an equality.</summary>
    public static EqualitySelector Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var terms = new List<KeyValuePair<string, string>>();
        foreach (var term in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = term.IndexOf('=', StringComparison.Ordinal);
            if (at <= 0 || term.Contains("!=", StringComparison.Ordinal))
            {
                throw new ArgumentException($"the selector term '{term}' is not key=value", nameof(text));
            }

            var value = term[(at + 1)..];
            terms.Add(new(term[..at].Trim(), (value.StartsWith('=') ? value[1..] : value).Trim()));
        }

        return new EqualitySelector(terms);
    }

    public bool Matches(IDictionary<string, string>? labels) =>
        terms.TrueForAll(t => labels is not null && labels.TryGetValue(t.Key, out var value) && value == t.Value);
}
