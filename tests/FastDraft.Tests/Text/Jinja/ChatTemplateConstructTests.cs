using System.Text.Json;
using FastDraft.Text;

namespace FastDraft.Tests.Text.Jinja;

/// <summary>
/// One construct per case (whitespace control, loop variables, namespace, macros, slices, filters, tests, errors…),
/// compared with what jinja2 rendered for the same template and variables (expected/constructs.json, written by
/// render_expected.py).
/// </summary>
public sealed class ChatTemplateConstructTests
{
    private static readonly Lazy<Dictionary<string, JsonElement>> Cases = new(() =>
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(ChatTemplateSuiteTests.Folder, "expected", "constructs.json")));
        return document.RootElement.EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.Clone());
    });

    public static TheoryData<string> Names => [.. Cases.Value.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Construct_RendersAsJinja2Does(string name)
    {
        JsonElement expected = Cases.Value[name];

        // The variables are the template's top level here, as in the script: messages is one of them when a case has it.
        JsonElement variables = expected.GetProperty("variables");
        JsonElement messages = variables.TryGetProperty("messages", out JsonElement m) ? m : JsonSerializer.SerializeToElement(Array.Empty<object>());
        bool generationPrompt = variables.TryGetProperty("add_generation_prompt", out JsonElement g) && g.GetBoolean();
        var template = JinjaChatTemplate.Parse(expected.GetProperty("template").GetString()!, clock: FixedClock.Instance);

        if (expected.TryGetProperty("text", out JsonElement text))
        {
            Assert.Equal(text.GetString(), template.Render(messages, null, generationPrompt, variables));
            return;
        }

        var error = Assert.Throws<ChatTemplateException>(() => template.Render(messages, null, generationPrompt, variables));
        string kind = expected.GetProperty("error").GetString()!;
        Assert.Equal(kind == "raise_exception", error.IsRaisedByTemplate);
        Assert.Contains(expected.GetProperty("message").GetString()!, error.Message, StringComparison.Ordinal);
        Assert.True(error.Line > 0 && error.Column > 0, error.Message);
    }

    [Theory]
    [InlineData("{% include 'x' %}", "'include'", 1, 4)]
    [InlineData("a\n{{ x | frobnicate }}", "'frobnicate'", 2, 8)]
    [InlineData("{% if x is prime %}{% endif %}", "'prime'", 1, 12)]
    [InlineData("{% for x in y %}", "'endfor'", 1, 17)]
    [InlineData("{{ x ]] }}", "']'", 1, 6)]
    public void UnsupportedOrBrokenConstruct_Throws_NamingItAndWhere(string source, string named, int line, int column)
    {
        var error = Assert.Throws<ChatTemplateException>(() =>
            JinjaChatTemplate.Parse(source).Render(JsonSerializer.SerializeToElement(Array.Empty<object>()), null, true, JsonSerializer.SerializeToElement(new { x = 1, y = new[] { 1 } })));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (error.Line, error.Column));
    }

    [Fact]
    public void Load_PrefersChatTemplateJinja_AndPassesTheConfigsSpecialTokens()
    {
        string folder = Directory.CreateTempSubdirectory("fastdraft-jinja-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{"bos_token": "<s>", "eos_token": {"content": "</s>"}, "chat_template": "config"}""");
            Assert.Equal("config", JinjaChatTemplate.Load(folder)!.Source);

            File.WriteAllText(Path.Combine(folder, "chat_template.jinja"), "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}\n");
            JinjaChatTemplate template = JinjaChatTemplate.Load(folder)!;

            Assert.Equal("<s>hi</s>", template.Render(JsonSerializer.SerializeToElement(new[] { new { role = "user", content = "hi" } }), null, true, null));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Load_FolderWithoutTemplate_ReturnsNull()
    {
        string folder = Directory.CreateTempSubdirectory("fastdraft-jinja-").FullName;
        try
        {
            Assert.Null(JinjaChatTemplate.Load(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
