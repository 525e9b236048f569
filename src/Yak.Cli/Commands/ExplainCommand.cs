using System.CommandLine;
using System.Reflection;
using Yak.Cli.Output;
using Yak.Protocol.Errors;

namespace Yak.Cli.Commands;

/// <summary>
/// <c>yakctl explain CODE</c>: the page of an error code (what it means, how to check, how to fix), read from the
/// docs/errors/ pages built into yakctl, so it works offline and without yakd. Without a code: the list of codes.
/// </summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        var code = new Argument<string?>("code") { Description = "An error code as yak prints it, e.g. YAK1201 (without one: every code).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("explain", "Explain an error code: what it means, how to check, how to fix (the page under docs/errors/).") { code };
        command.SetAction(parse =>
        {
            var output = CliApp.Context(parse).Output;
            var text = parse.GetValue(code);
            if (string.IsNullOrWhiteSpace(text))
            {
                List(output);
                return CliExitCodes.Success;
            }

            var error = YakErrors.Find(text)
                ?? throw new CliException($"'{text}' is not an error code of this yakctl.", YakErrors.Usage, CliExitCodes.Usage, "'yakctl explain' lists every code.");
            var page = Page(error);
            if (output.Json)
            {
                output.WriteJson(new ExplainReport(error.Code, error.Title, error.Fix, error.Page, page));
            }
            else
            {
                output.Out.Write(page);
            }

            return CliExitCodes.Success;
        });
        return command;
    }

    /// <summary>The page's text as built into yakctl (Yak.Cli.csproj embeds docs/errors/*.md).</summary>
    public static string Page(YakError error)
    {
        using var stream = typeof(ExplainCommand).Assembly.GetManifestResourceStream($"errors/{error.Code}.md")
            ?? throw new InvalidOperationException($"{error.Page} is not built into yakctl");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static void List(CliOutput output)
    {
        if (output.Json)
        {
            output.WriteJson(YakErrors.All.Select(e => new ExplainReport(e.Code, e.Title, e.Fix, e.Page, null)).ToList());
            return;
        }

        foreach (var error in YakErrors.All)
        {
            output.Out.WriteLine($"{error.Code}  {error.Title}");
        }
    }

    /// <summary>What <c>--output json</c> prints: the page's text is null in the list.</summary>
    internal sealed record ExplainReport(string Code, string Title, string Fix, string Page, string? Text);
}
