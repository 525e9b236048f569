using System.Globalization;

namespace Yak.Protocol.Errors;

/// <summary>
/// One entry of yak's knowledge base of errors: a stable code (<c>YAK1201</c>) that never changes meaning, a title,
/// the one-line fix printed under the error, and a page under <c>docs/errors/</c> that says what it means, how to
/// check and how to fix it. <c>yakctl explain CODE</c> prints the page.
/// </summary>
public sealed class YakError
{
    internal YakError(int number, string title, string fix)
    {
        Number = number;
        Title = title;
        Fix = fix;
    }

    public int Number { get; }

    /// <summary><c>YAK</c> and four digits: what scripts, logs and search engines match on.</summary>
    public string Code => "YAK" + Number.ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>What went wrong, in a few words (the page's heading).</summary>
    public string Title { get; }

    /// <summary>The one-line fix printed under the error when no more specific one is known.</summary>
    public string Fix { get; }

    /// <summary>The page's path relative to the repository root.</summary>
    public string Page => $"docs/errors/{Code}.md";

    /// <summary>The command that prints the page.</summary>
    public string ExplainCommand => $"yakctl explain {Code}";

    public override string ToString() => $"{Code} {Title}";
}
