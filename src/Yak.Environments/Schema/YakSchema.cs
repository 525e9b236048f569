namespace Yak.Environments.Schema;

/// <summary>The JSON schema (draft 2020-12) of yak.yaml, for editors (e.g. the YAML language server's <c>yaml.schemas</c>).</summary>
public static class YakSchema
{
    public const string ResourceName = "Yak.Environments.yak.schema.json";

    /// <summary>The schema's text.</summary>
    public static string Read()
    {
        using var stream = typeof(YakSchema).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"resource {ResourceName} is missing from {typeof(YakSchema).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
