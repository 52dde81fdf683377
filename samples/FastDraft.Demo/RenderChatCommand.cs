using System.CommandLine;
using System.Text.Json;
using FastDraft.Text;

namespace FastDraft.Demo;

/// <summary>
/// <c>render-chat</c>: prints the prompt a model's own chat template makes of a conversation, exactly (no newline added),
/// so it can be compared with transformers' <c>apply_chat_template(..., tokenize=False)</c>.
/// </summary>
internal static class RenderChatCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Option<string>("--model") { Description = "The model folder: chat_template.jinja, or tokenizer_config.json with a chat_template.", HelpName = "DIR", Required = true };
        var messages = new Option<string>("--messages") { Description = "A JSON file: an array of messages in the OpenAI/transformers shape, or an object with \"messages\" (and optionally \"tools\", \"documents\", \"variables\").", HelpName = "FILE", Required = true };
        var tools = new Option<string?>("--tools") { Description = "A JSON file with an array of tool definitions.", HelpName = "FILE" };
        var noGenerationPrompt = new Option<bool>("--no-generation-prompt") { Description = "Does not end with the opening of an assistant turn." };
        var command = new Command("render-chat", "Renders a conversation with the model's own chat template and prints the prompt exactly as the template writes it.")
        {
            model, messages, tools, noGenerationPrompt,
        };
        command.SetAction(parsed =>
        {
            string prompt = Render(parsed.GetRequiredValue(model), parsed.GetRequiredValue(messages), parsed.GetValue(tools), !parsed.GetValue(noGenerationPrompt));
            output.Write(prompt);
            return 0;
        });
        return command;
    }

    /// <summary>Renders the conversation in <paramref name="messagesFile"/> with the template of <paramref name="modelFolder"/>.</summary>
    public static string Render(string modelFolder, string messagesFile, string? toolsFile, bool addGenerationPrompt)
    {
        JinjaChatTemplate template = JinjaChatTemplate.Load(modelFolder)
            ?? throw new ArgumentException($"Model folder '{modelFolder}' has no chat template (neither chat_template.jinja nor a chat_template in tokenizer_config.json).");
        using JsonDocument conversation = JsonDocument.Parse(File.ReadAllText(messagesFile));
        JsonElement root = conversation.RootElement;
        JsonElement messages = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("messages", out JsonElement m) ? m : root;
        JsonElement? tools = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("tools", out JsonElement t) ? t : null;
        using JsonDocument? toolsDocument = toolsFile is null ? null : JsonDocument.Parse(File.ReadAllText(toolsFile));
        tools = toolsDocument?.RootElement ?? tools;

        var variables = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (root.ValueKind == JsonValueKind.Object)
        {
            if (root.TryGetProperty("variables", out JsonElement extra) && extra.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty property in extra.EnumerateObject())
                {
                    variables[property.Name] = property.Value;
                }
            }

            if (root.TryGetProperty("documents", out JsonElement documents))
            {
                variables["documents"] = documents;
            }
        }

        return template.Render(messages, tools, addGenerationPrompt, variables.Count == 0 ? null : JsonSerializer.SerializeToElement(variables));
    }
}
