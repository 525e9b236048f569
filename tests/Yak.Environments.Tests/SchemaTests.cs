using System.Text.Json;
using Yak.Environments.Schema;

namespace Yak.Environments.Tests;

public sealed class SchemaTests
{
    private static readonly JsonElement Root = JsonDocument.Parse(YakSchema.Read()).RootElement;

    [Fact]
    public void Schema_IsDraft202012Json()
    {
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", Root.GetProperty("$schema").GetString());
        Assert.Equal("object", Root.GetProperty("type").GetString());
    }

    [Fact]
    public void Schema_ObjectsHaveExactlyTheLoaderKeys()
    {
        foreach (var (kind, keys) in YakKeys.Objects)
        {
            var definition = kind == YakKeys.Root ? Root : Root.GetProperty("$defs").GetProperty(kind);
            var properties = definition.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();
            Assert.True(keys.Order().SequenceEqual(properties.Order()), $"{kind}: loader [{string.Join(", ", keys)}] vs schema [{string.Join(", ", properties)}]");
            Assert.False(definition.GetProperty("additionalProperties").GetBoolean(), $"{kind} must reject unknown keys like the loader");
        }
    }

    [Fact]
    public void Schema_EveryObjectDefinitionIsInTheKeyTable()
    {
        var withProperties = Root.GetProperty("$defs").EnumerateObject().Where(d => d.Value.TryGetProperty("properties", out _)).Select(d => d.Name);
        Assert.Equal(YakKeys.Objects.Keys.Where(k => k != YakKeys.Root).Order(), withProperties.Order());
    }

    [Fact]
    public void Schema_EveryReferenceResolves()
    {
        var defs = Root.GetProperty("$defs");
        foreach (var reference in References(Root))
        {
            Assert.StartsWith("#/$defs/", reference, StringComparison.Ordinal);
            Assert.True(defs.TryGetProperty(reference["#/$defs/".Length..], out _), $"unresolved {reference}");
        }
    }

    [Fact]
    public void Docs_MentionEveryKey()
    {
        var docs = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "yak-yaml.md"));
        foreach (var key in YakKeys.Objects.Values.SelectMany(k => k).Distinct())
        {
            Assert.Contains($"`{key}`", docs, StringComparison.Ordinal);
        }
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "YakDaemon.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }

    private static IEnumerable<string> References(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name == "$ref")
                {
                    yield return property.Value.GetString()!;
                }
                else
                {
                    foreach (var r in References(property.Value))
                    {
                        yield return r;
                    }
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var r in element.EnumerateArray().SelectMany(References))
            {
                yield return r;
            }
        }
    }
}
