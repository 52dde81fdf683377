using System.Text.Json;
using FastDraft.Tests.Infrastructure;
using Json.Schema;

namespace FastDraft.Tests.Text.Json;

/// <summary>The schemas in Data/JsonSchemas/suite.json, and validation by JsonSchema.Net (never by the constraint itself).</summary>
internal static class JsonSchemaSuite
{
    private static readonly Lazy<Dictionary<string, string>> Schemas = new(Load);

    public static IEnumerable<string> Names => Schemas.Value.Keys;

    public static string Schema(string name) => Schemas.Value[name];

    /// <summary>Fails unless <paramref name="text"/> parses as JSON and the schema accepts it.</summary>
    public static void AssertValid(string name, string text)
    {
        using JsonDocument document = JsonDocument.Parse(text);
        EvaluationResults results = JsonSchema.FromText(Schema(name)).Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(results.IsValid, $"{name}: {text} does not validate: {string.Join("; ", (results.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Values))}");
    }

    private static Dictionary<string, string> Load()
    {
        string path = Path.Combine(RepositoryRoot.Find(), "tests", "FastDraft.Tests", "Data", "JsonSchemas", "suite.json");
        using JsonDocument suite = JsonDocument.Parse(File.ReadAllText(path));
        return suite.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("schema").GetRawText());
    }
}

/// <summary>The suite's schema names, for theories.</summary>
public sealed class JsonSchemaNames : TheoryData<string>
{
    public JsonSchemaNames()
    {
        foreach (string name in JsonSchemaSuite.Names)
        {
            Add(name);
        }
    }
}
