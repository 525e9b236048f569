using System.Reflection;
using System.Text;
using StreamJsonRpc;
using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Protocol.Tests;

/// <summary>
/// docs/protocol.md is generated from the contract (interfaces, DTOs, error codes) so non-.NET clients read the
/// truth. The test fails when the file is stale; regenerate with <c>YAK_UPDATE_DOCS=1 dotnet test tests/Yak.Protocol.Tests</c>.
/// </summary>
public sealed class ContractReferenceTests
{
    [Fact]
    public void ProtocolReference_MatchesTheContract()
    {
        var path = Path.Combine(RepositoryRoot(), "docs", "protocol.md");
        var expected = ContractReference.Render();
        if (Environment.GetEnvironmentVariable("YAK_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, expected);
        }

        Assert.True(File.Exists(path), $"{path} is missing; run with YAK_UPDATE_DOCS=1 to generate it");
        Assert.True(
            File.ReadAllText(path) == expected,
            $"{path} is stale: the contract changed. Regenerate it with YAK_UPDATE_DOCS=1 dotnet test tests/Yak.Protocol.Tests");
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "YakDaemon.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("YakDaemon.sln not found above the test folder");
    }
}

/// <summary>Renders the JSON-RPC contract as Markdown from the Yak.Protocol assembly.</summary>
internal static class ContractReference
{
    public static string Render()
    {
        var assembly = typeof(Methods).Assembly;
        var text = new StringBuilder();
        text.AppendLine("# yakd JSON-RPC reference");
        text.AppendLine();
        text.AppendLine("Generated from `src/Yak.Protocol` by `tests/Yak.Protocol.Tests/ContractReferenceTests.cs`; do not edit by hand.");
        text.AppendLine();
        text.AppendLine($"Protocol version {ProtocolVersion.Current} (oldest supported: {ProtocolVersion.MinimumSupported}). JSON-RPC 2.0 framed with");
        text.AppendLine("`Content-Length` headers as in LSP; params are one named object; member names are camelCase; enums are");
        text.AppendLine("camelCase strings; every listed member is always present (nullable ones may be `null`), except that a client may");
        text.AppendLine("omit a request member marked *optional* or send it as `null`: yakd reads it as empty (`\"\"` or `[]`).");
        text.AppendLine("Call `daemon/hello` first on every connection.");
        text.AppendLine();
        text.AppendLine("## Methods");
        text.AppendLine();
        foreach (var service in assembly.GetExportedTypes().Where(t => t.IsInterface).OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            foreach (var method in service.GetMethods().OrderBy(m => m.GetCustomAttribute<JsonRpcMethodAttribute>()?.Name, StringComparer.Ordinal))
            {
                var name = method.GetCustomAttribute<JsonRpcMethodAttribute>()?.Name ?? method.Name;
                var request = method.GetParameters()[0].ParameterType;
                var response = method.ReturnType.GetGenericArguments().FirstOrDefault();
                text.AppendLine($"- `{name}`: params `{request.Name}` → result `{response?.Name ?? "none"}`");
            }
        }

        text.AppendLine();
        text.AppendLine("Notifications from the daemon: `events/event` with an `EventNotification`, after `events/subscribe`.");
        text.AppendLine();
        text.AppendLine("## Error codes");
        text.AppendLine();
        text.AppendLine("The JSON-RPC codes keep their meaning (-32700 parse error, -32600 invalid request, -32601 method not found,");
        text.AppendLine("-32602 invalid params, -32603 internal error). yakd adds:");
        text.AppendLine();
        foreach (var field in typeof(ErrorCodes).GetFields().OrderByDescending(f => (int)f.GetRawConstantValue()!))
        {
            text.AppendLine($"- `{field.GetRawConstantValue()}` {field.Name}");
        }

        text.AppendLine();
        text.AppendLine($"Every error yakd returns for a failure of its own has a `data` of type {nameof(RpcErrorInfo)}: `code` is the stable code of");
        text.AppendLine("the error catalogue (`YAK1103`; its page is docs/errors/YAK1103.md, `yakctl explain YAK1103` prints it) and `fix`");
        text.AppendLine("the one line to show under the message. Match on `code`, not on the message.");

        text.AppendLine();
        text.AppendLine("## Events");
        text.AppendLine();
        text.AppendLine($"Pushed as `{Methods.EventsEvent}` ({nameof(EventNotification)}) to connections subscribed to the topic; `data` is the type named here.");
        text.AppendLine();
        text.AppendLine("| topic | kind | data |");
        text.AppendLine("|---|---|---|");
        foreach (var kind in EventKinds.All)
        {
            text.AppendLine($"| `{kind.Topic}` | `{kind.Kind}` | {kind.DataType.Name} |");
        }

        text.AppendLine();
        text.AppendLine("## Types");
        foreach (var type in assembly.GetExportedTypes()
            .Where(t => t.Namespace == "Yak.Protocol.Messages" && (t.IsEnum || (t.IsClass && !(t.IsAbstract && t.IsSealed))))
            .OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            text.AppendLine();
            text.AppendLine($"### {type.Name}");
            text.AppendLine();
            if (type.IsEnum)
            {
                text.AppendLine(string.Join(", ", Enum.GetNames(type).Select(n => $"`{char.ToLowerInvariant(n[0])}{n[1..]}`")));
                continue;
            }

            var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
            if (properties.Length == 0)
            {
                text.AppendLine("`{}` (no members)");
                continue;
            }

            var nullability = new NullabilityInfoContext();
            foreach (var property in properties)
            {
                var nullable = nullability.Create(property).ReadState == NullabilityState.Nullable;
                var optional = property.GetCustomAttribute<OptionalMemberAttribute>() is not null;
                text.AppendLine($"- `{char.ToLowerInvariant(property.Name[0])}{property.Name[1..]}`: {JsonTypeName(property.PropertyType)}{(nullable ? " or null" : "")}{(optional ? " (optional)" : "")}");
            }
        }

        return text.ToString();
    }

    private static string JsonTypeName(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(string))
        {
            return "string";
        }

        if (underlying == typeof(bool))
        {
            return "boolean";
        }

        if (underlying == typeof(int) || underlying == typeof(long) || underlying == typeof(double))
        {
            return "number";
        }

        if (underlying == typeof(DateTimeOffset))
        {
            return "string (ISO 8601 time)";
        }

        if (underlying == typeof(System.Text.Json.JsonElement))
        {
            return "any JSON";
        }

        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            return $"array of {JsonTypeName(underlying.GetGenericArguments()[0])}";
        }

        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))
        {
            return $"object of {JsonTypeName(underlying.GetGenericArguments()[1])}";
        }

        return $"[{underlying.Name}](#{underlying.Name.ToLowerInvariant()})";
    }
}
