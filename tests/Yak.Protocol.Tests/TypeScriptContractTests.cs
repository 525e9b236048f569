using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using StreamJsonRpc;
using Yak.Protocol;
using Yak.Protocol.Errors;
using Yak.Protocol.Messages;

namespace Yak.Protocol.Tests;

/// <summary>
/// src/clients/typescript/src/generated/protocol.ts is generated from the contract, as docs/protocol.md is, so the
/// TypeScript client's requests, responses and events cannot drift from yakd. The test fails when the file is stale;
/// regenerate with <c>YAK_UPDATE_DOCS=1 dotnet test tests/Yak.Protocol.Tests</c>.
/// </summary>
public sealed class TypeScriptContractTests
{
    [Fact]
    public void TypeScriptContract_MatchesTheContract()
    {
        var path = Path.Combine(RepositoryRoot(), "src", "clients", "typescript", "src", "generated", "protocol.ts");
        var expected = TypeScriptContract.Render();
        if (Environment.GetEnvironmentVariable("YAK_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, expected);
        }

        Assert.True(File.Exists(path), $"{path} is missing; run with YAK_UPDATE_DOCS=1 to generate it");
        Assert.True(
            File.ReadAllText(path) == expected,
            $"{path} is stale: the contract changed. Regenerate it with YAK_UPDATE_DOCS=1 dotnet test tests/Yak.Protocol.Tests");
    }

    [Fact]
    public void Render_EveryMethodAndEvent_IsTyped()
    {
        var rendered = TypeScriptContract.Render();
        foreach (var name in typeof(Methods).GetFields().Select(f => (string)f.GetRawConstantValue()!).Where(n => n != Methods.EventsEvent))
        {
            Assert.Contains($"  \"{name}\": ", rendered, StringComparison.Ordinal);
        }

        foreach (var kind in EventKinds.All)
        {
            Assert.Contains($"  \"{kind.Topic}/{kind.Kind}\": {kind.DataType.Name};", rendered, StringComparison.Ordinal);
        }

        Assert.Contains("  kubeconfig?: string | null;", rendered, StringComparison.Ordinal);
        Assert.Contains("  lastError: string | null;", rendered, StringComparison.Ordinal);
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

/// <summary>Renders the JSON-RPC contract as TypeScript declarations from the Yak.Protocol assembly.</summary>
internal static class TypeScriptContract
{
    public static string Render()
    {
        var assembly = typeof(Methods).Assembly;
        var text = new StringBuilder();
        text.AppendLine("// Generated from src/Yak.Protocol by tests/Yak.Protocol.Tests/TypeScriptContractTests.cs; do not edit by hand.");
        text.AppendLine("// Regenerate: YAK_UPDATE_DOCS=1 dotnet test tests/Yak.Protocol.Tests");
        text.AppendLine("/* eslint-disable */");
        text.AppendLine();
        text.AppendLine($"export const ProtocolVersion = {{ current: {ProtocolVersion.Current}, minimumSupported: {ProtocolVersion.MinimumSupported} }} as const;");
        text.AppendLine();
        Constants(text, "Methods", typeof(Methods));
        text.AppendLine("export type MethodName = (typeof Methods)[keyof typeof Methods];");
        text.AppendLine();
        Constants(text, "Capabilities", typeof(Capabilities));
        Constants(text, "ErrorCodes", typeof(ErrorCodes));
        Constants(text, "EventTopics", typeof(EventTopics));
        Constants(text, "StreamFrames", typeof(StreamFrames));

        text.AppendLine("/** Request params by method (one named object each). */");
        text.AppendLine("export interface RequestTypes {");
        var methods = ServiceMethods(assembly);
        foreach (var (name, request, _) in methods)
        {
            text.AppendLine($"  \"{name}\": {request.Name};");
        }

        text.AppendLine("}");
        text.AppendLine();
        text.AppendLine("/** Results by method. */");
        text.AppendLine("export interface ResponseTypes {");
        foreach (var (name, _, response) in methods)
        {
            text.AppendLine($"  \"{name}\": {response.Name};");
        }

        text.AppendLine("}");
        text.AppendLine();
        text.AppendLine("export type RequestMethod = keyof RequestTypes;");
        text.AppendLine();
        text.AppendLine($"/** The data of each pushed event, by \"topic/kind\" ({Methods.EventsEvent} params are an EventNotification). */");
        text.AppendLine("export interface EventDataTypes {");
        foreach (var kind in EventKinds.All)
        {
            text.AppendLine($"  \"{kind.Topic}/{kind.Kind}\": {kind.DataType.Name};");
        }

        text.AppendLine("}");
        text.AppendLine();
        text.AppendLine("export type EventKey = keyof EventDataTypes;");
        text.AppendLine();
        text.AppendLine("/** The error catalogue (docs/errors/CODE.md): what each code means and its one-line fix. */");
        text.AppendLine("export const YakErrorCatalogue: Readonly<Record<string, { readonly title: string; readonly fix: string }>> = {");
        foreach (var error in YakErrors.All)
        {
            text.AppendLine($"  {error.Code}: {{ title: {Literal(error.Title)}, fix: {Literal(error.Fix)} }},");
        }

        text.AppendLine("};");

        foreach (var type in assembly.GetExportedTypes()
            .Where(t => t.Namespace == typeof(HelloRequest).Namespace && (t.IsEnum || (t.IsClass && !(t.IsAbstract && t.IsSealed))))
            .OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            text.AppendLine();
            if (type.IsEnum)
            {
                text.AppendLine($"export type {type.Name} = {string.Join(" | ", Enum.GetNames(type).Select(n => Literal(Camel(n))))};");
                continue;
            }

            var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
            if (properties.Length == 0)
            {
                text.AppendLine($"export type {type.Name} = Record<string, never>;");
                continue;
            }

            text.AppendLine($"export interface {type.Name} {{");
            var nullability = new NullabilityInfoContext();
            foreach (var property in properties)
            {
                var nullable = nullability.Create(property).ReadState == NullabilityState.Nullable;
                var optional = property.GetCustomAttribute<OptionalMemberAttribute>() is not null;
                text.AppendLine($"  {Camel(property.Name)}{(optional ? "?" : "")}: {TypeName(property.PropertyType)}{(nullable || optional ? " | null" : "")};");
            }

            text.AppendLine("}");
        }

        return text.ToString();
    }

    private static List<(string Name, Type Request, Type Response)> ServiceMethods(Assembly assembly) =>
        [.. assembly.GetExportedTypes().Where(t => t.IsInterface)
            .SelectMany(t => t.GetMethods())
            .Select(m => (Name: m.GetCustomAttribute<JsonRpcMethodAttribute>()!.Name!, Request: m.GetParameters()[0].ParameterType, Response: m.ReturnType.GetGenericArguments()[0]))
            .OrderBy(m => m.Name, StringComparer.Ordinal)];

    private static void Constants(StringBuilder text, string name, Type holder)
    {
        text.AppendLine($"export const {name} = {{");
        foreach (var field in holder.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
        {
            var value = field.GetRawConstantValue();
            var literal = value is string s ? Literal(s) : Convert.ToString(value, CultureInfo.InvariantCulture);
            text.AppendLine($"  {Camel(field.Name)}: {literal},");
        }

        text.AppendLine("} as const;");
        text.AppendLine();
    }

    private static string TypeName(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(string) || underlying == typeof(DateTimeOffset))
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

        if (underlying == typeof(JsonElement))
        {
            return "unknown";
        }

        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            return $"readonly {TypeName(underlying.GetGenericArguments()[0])}[]";
        }

        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))
        {
            return $"Readonly<Record<string, {TypeName(underlying.GetGenericArguments()[1])}>>";
        }

        return underlying.Name;
    }

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    private static string Literal(string value) => JsonSerializer.Serialize(value);
}
