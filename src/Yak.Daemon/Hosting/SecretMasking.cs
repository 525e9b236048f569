using System.Text.RegularExpressions;
using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;

namespace Yak.Daemon.Hosting;

/// <summary>
/// The safety net under every log sink: call sites log command names, never arguments, kubeconfigs or tokens, and
/// whatever still slips through (an exception quoting a request URL, a library's message) is masked here before it
/// is written — bearer tokens, <c>token:</c>/<c>password:</c> values, kubeconfig key and certificate data, PEM
/// private keys, and exec arguments in Kubernetes exec URLs (the first <c>command=</c> is the name and stays).
/// </summary>
internal static partial class SecretMasking
{
    public const string Mask = "***";

    public static string Apply(string text)
    {
        if (text.Length == 0)
        {
            return text;
        }

        text = PrivateKeyBlock().Replace(text, "-----BEGIN PRIVATE KEY----- " + Mask + " -----END PRIVATE KEY-----");
        text = Bearer().Replace(text, "${scheme}" + Mask);
        text = KeyValue().Replace(text, "${key}" + Mask);
        text = ExecArgument().Replace(text, "${sep}command=" + Mask);
        return text;
    }

    /// <summary>Wraps a sink so everything it receives is masked first.</summary>
    public static ILogEventSink Wrap(ILogEventSink inner) => new MaskingSink(inner);

    [GeneratedRegex(@"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex PrivateKeyBlock();

    [GeneratedRegex(@"(?<scheme>\b(?:Bearer|Basic)\s+)[A-Za-z0-9\-._~+/=:]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Bearer();

    // token: x, "token": "x", token=x, client-key-data: x, password=x, … (YAML, JSON, query strings, env lines).
    [GeneratedRegex(
        @"(?<key>(?:\b|[""'])(?:[a-z0-9_-]*token|client-key-data|client-certificate-data|password|passwd|secret|api[_-]?key)[""']?\s*[:=]\s*[""']?)(?!\{)[^\s""',&}]+",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex KeyValue();

    // Every command= after the first in a query string is an argument: /exec?command=mysql&command=-pSECRET.
    [GeneratedRegex(@"(?<sep>&)command=[^&\s""']*", RegexOptions.CultureInvariant)]
    private static partial Regex ExecArgument();

    private static LogEventPropertyValue Apply(LogEventPropertyValue value) => value switch
    {
        ScalarValue { Value: string s } => new ScalarValue(Apply(s)),
        ScalarValue { Value: null or bool or int or long or uint or ulong or short or double or float or decimal or DateTime or DateTimeOffset or TimeSpan or Guid } scalar => scalar,
        ScalarValue scalar => new ScalarValue(Apply(scalar.Value.ToString() ?? string.Empty)),
        SequenceValue sequence => new SequenceValue(sequence.Elements.Select(Apply)),
        StructureValue structure => new StructureValue(structure.Properties.Select(p => new LogEventProperty(p.Name, Apply(p.Value))), structure.TypeTag),
        DictionaryValue dictionary => new DictionaryValue(dictionary.Elements.Select(e => new KeyValuePair<ScalarValue, LogEventPropertyValue>(e.Key, Apply(e.Value)))),
        _ => value,
    };

    private sealed class MaskingSink(ILogEventSink inner) : ILogEventSink, IDisposable
    {
        private static readonly MessageTemplateParser Parser = new();

        public void Emit(LogEvent logEvent)
        {
            var template = Apply(logEvent.MessageTemplate.Text);
            var masked = new LogEvent(
                logEvent.Timestamp,
                logEvent.Level,
                logEvent.Exception is { } ex ? new MaskedException(ex) : null,
                ReferenceEquals(template, logEvent.MessageTemplate.Text) || template == logEvent.MessageTemplate.Text ? logEvent.MessageTemplate : Parser.Parse(template),
                logEvent.Properties.Select(p => new LogEventProperty(p.Key, Apply(p.Value))));
            inner.Emit(masked);
        }

        public void Dispose() => (inner as IDisposable)?.Dispose();
    }

    /// <summary>Stands in for an exception in the log: the same text (type, message, stack), masked.</summary>
    private sealed class MaskedException(Exception original) : Exception(Apply(original.Message))
    {
        private readonly string text = Apply(original.ToString());

        public override string ToString() => text;
    }
}
