using System.Reflection;
using System.Runtime.CompilerServices;
using StreamJsonRpc;
using Yak.Protocol;
using Yak.Protocol.Messages;

namespace Yak.Protocol.Tests;

/// <summary>Holds every DTO and method of the contract to the rules non-.NET clients rely on.</summary>
public sealed class ContractRulesTests
{
    private static readonly Type[] Dtos = typeof(HelloRequest).Assembly.GetExportedTypes()
        .Where(t => t.Namespace == typeof(HelloRequest).Namespace && t.IsClass && !(t.IsAbstract && t.IsSealed))
        .ToArray();

    public static TheoryData<Type> DtoTypes() => [.. Dtos];

    [Fact]
    public void Messages_Namespace_HasDtos()
    {
        Assert.True(Dtos.Length >= 10, "the reflection below would pass vacuously");
    }

    [Theory]
    [MemberData(nameof(DtoTypes))]
    public void Dto_Always_IsSealed(Type type) => Assert.True(type.IsSealed, $"{type.Name} must be sealed");

    [Theory]
    [MemberData(nameof(DtoTypes))]
    public void Dto_Always_IsNamedRequestResponseNotificationOrInfo(Type type) =>
        Assert.True(
            type.Name.EndsWith("Request", StringComparison.Ordinal) || type.Name.EndsWith("Response", StringComparison.Ordinal) ||
            type.Name.EndsWith("Notification", StringComparison.Ordinal) || type.Name.EndsWith("Info", StringComparison.Ordinal),
            $"{type.Name} must end in Request, Response, Notification or Info");

    [Theory]
    [MemberData(nameof(DtoTypes))]
    public void Dto_EveryProperty_IsRequiredAndInitOnly(Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            Assert.True(property.GetCustomAttribute<RequiredMemberAttribute>() is not null, $"{type.Name}.{property.Name} must be required");
            var setter = property.SetMethod;
            Assert.True(setter is not null && setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)), $"{type.Name}.{property.Name} must be init-only");
        }
    }

    [Theory]
    [MemberData(nameof(DtoTypes))]
    public void Dto_Every_HasCompiledJsonMetadata(Type type)
    {
        // The NativeAOT yakctl has no other metadata (YakJson).
        Assert.True(Yak.Protocol.Transport.YakJsonContext.Default.GetTypeInfo(type) is not null, $"add [JsonSerializable(typeof({type.Name}))] to YakJsonContext");
    }

    [Fact]
    public void Service_EveryMethod_HasAreaVerbNameAndOneRequestParameter()
    {
        var methods = typeof(IDaemonService).Assembly.GetExportedTypes().Where(t => t.IsInterface).SelectMany(t => t.GetMethods()).ToList();
        Assert.NotEmpty(methods);
        foreach (var method in methods)
        {
            var attribute = method.GetCustomAttribute<JsonRpcMethodAttribute>();
            Assert.True(attribute is not null, $"{method.Name} needs [JsonRpcMethod]");
            Assert.Matches("^[a-z]+/[a-z][A-Za-z]*$", attribute!.Name!);
            Assert.True(attribute.UseSingleObjectParameterDeserialization, $"{attribute.Name} takes its params as one named object");
            var parameters = method.GetParameters();
            Assert.Equal(2, parameters.Length);
            Assert.EndsWith("Request", parameters[0].ParameterType.Name, StringComparison.Ordinal);
            Assert.Equal(typeof(CancellationToken), parameters[1].ParameterType);
            Assert.True(method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>));
            Assert.EndsWith("Response", method.ReturnType.GetGenericArguments()[0].Name, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EventKinds_EveryData_IsAContractDtoAndEveryKindIsUniqueInItsTopic()
    {
        Assert.True(EventKinds.All.Count >= 20, "the reflection below would pass vacuously");
        foreach (var kind in EventKinds.All)
        {
            Assert.Contains(kind.DataType, Dtos);
            Assert.True(kind.DataType.IsSealed, $"{kind.DataType.Name} must be sealed");
            Assert.Contains(kind.Topic, EventTopics.All);
        }

        Assert.Equal(EventKinds.All.Count, EventKinds.All.Select(k => (k.Topic, k.Kind)).Distinct().Count());
    }

    [Fact]
    public void MethodNames_AreUnique()
    {
        var names = typeof(Methods).GetFields().Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void ContractEnums_EveryEnumOfTheContract_HasItsConverter()
    {
        var enums = typeof(HelloRequest).Assembly.GetExportedTypes().Where(t => t.IsEnum && t.Namespace == typeof(HelloRequest).Namespace).ToList();
        Assert.True(enums.Count >= 10, "the reflection below would pass vacuously");
        foreach (var type in enums)
        {
            // The catch-all enum converter does not exist in the NativeAOT yakctl.
            Assert.True(Yak.Protocol.Transport.ContractEnums.Converters.Any(c => c.CanConvert(type)), $"add {type.Name} to ContractEnums");
        }
    }
}
