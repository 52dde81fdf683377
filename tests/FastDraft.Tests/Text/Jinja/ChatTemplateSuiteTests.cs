using System.Text.Json;
using FastDraft.Tests.Infrastructure;
using FastDraft.Text;

namespace FastDraft.Tests.Text.Jinja;

/// <summary>
/// Every public template in Data/ChatTemplates × every conversation, with and without the generation prompt, rendered
/// here and compared byte for byte with what Python's jinja2 (configured as transformers) rendered into expected/ via
/// render_expected.py; where jinja2 raised, the interpreter must throw, with the template's own message for raise_exception.
/// </summary>
public sealed class ChatTemplateSuiteTests
{
    internal static string Folder => Path.Combine(RepositoryRoot.Find(), "tests", "FastDraft.Tests", "Data", "ChatTemplates");

    public static TheoryData<string> Templates => [.. Directory.GetFiles(Path.Combine(Folder, "templates"), "*.jinja").Select(p => Path.GetFileNameWithoutExtension(p)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Templates))]
    public void Render_EveryConversation_MatchesJinja2ByteForByte(string name)
    {
        string source = File.ReadAllText(Path.Combine(Folder, "templates", name + ".jinja"));
        using JsonDocument sidecar = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "templates", name + ".json")));
        Dictionary<string, string> tokens = sidecar.RootElement.GetProperty("special_tokens").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        Assert.False(string.IsNullOrWhiteSpace(sidecar.RootElement.GetProperty("source").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(sidecar.RootElement.GetProperty("licence").GetString()));
        JinjaChatTemplate template = JinjaChatTemplate.Parse(source, tokens, FixedClock.Instance);
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "expected", name + ".json")));

        var failures = new List<string>();
        int compared = 0;
        foreach (string path in Directory.GetFiles(Path.Combine(Folder, "conversations"), "*.json").Order(StringComparer.Ordinal))
        {
            using JsonDocument conversation = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement root = conversation.RootElement;
            JsonElement? tools = root.TryGetProperty("tools", out JsonElement t) ? t : null;
            JsonElement variables = Variables(root);
            foreach (bool generationPrompt in new[] { true, false })
            {
                string key = $"{Path.GetFileNameWithoutExtension(path)}|{(generationPrompt ? "gen" : "nogen")}";
                JsonElement want = expected.RootElement.GetProperty(key);
                compared++;
                string? got = null;
                ChatTemplateException? error = null;
                try
                {
                    got = template.Render(root.GetProperty("messages"), tools, generationPrompt, variables);
                }
                catch (ChatTemplateException e)
                {
                    error = e;
                }

                if (want.TryGetProperty("text", out JsonElement text))
                {
                    if (error is not null || got != text.GetString())
                    {
                        failures.Add($"{key}: expected {JsonSerializer.Serialize(text.GetString())}\n   got {(error is null ? JsonSerializer.Serialize(got) : "error " + error.Message)}");
                    }
                }
                else if (error is null)
                {
                    failures.Add($"{key}: jinja2 raised {want.GetProperty("error").GetString()} ({want.GetProperty("message").GetString()}), but it rendered {JsonSerializer.Serialize(got)}");
                }
                else if (want.GetProperty("error").GetString() == "raise_exception" && (!error.IsRaisedByTemplate || error.TemplateMessage != want.GetProperty("message").GetString()))
                {
                    failures.Add($"{key}: expected raise_exception({want.GetProperty("message").GetString()}), got {error.Message}");
                }
            }
        }

        Assert.Equal(expected.RootElement.EnumerateObject().Count(), compared);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>The conversation's extra variables, with its documents, as render_expected.py passes them.</summary>
    internal static JsonElement Variables(JsonElement conversation)
    {
        var variables = new Dictionary<string, JsonElement>();
        if (conversation.TryGetProperty("variables", out JsonElement extra))
        {
            foreach (JsonProperty property in extra.EnumerateObject())
            {
                variables[property.Name] = property.Value;
            }
        }

        if (conversation.TryGetProperty("documents", out JsonElement documents))
        {
            variables["documents"] = documents;
        }

        return JsonSerializer.SerializeToElement(variables);
    }
}
