using System.CommandLine;
using System.Text.Json;
using FastDraft.Text;

namespace FastDraft.Tool;

/// <summary>
/// <c>fastdraft render-chat</c>: prints the prompt a model's own chat template makes of a conversation, exactly (no newline
/// added), to compare with transformers' <c>apply_chat_template(..., tokenize=False)</c>. The demo's <c>render-chat</c> is this command.
/// </summary>
internal static class RenderChatCommand
{
    /// <summary>Creates the tool's command: a conversation the template refuses is reported here, whole, as bad input.</summary>
    public static Command Create(TextWriter output, TextWriter error) => Create(output, ex =>
    {
        // The template refused the conversation (raise_exception) or has a construct the interpreter lacks: bad input, not a tool fault.
        error.WriteLine($"error: {ex.Message}");
        return ToolApp.UsageError;
    });

    /// <summary>Creates the demo's command: a conversation the template refuses is left to the application's one-line error handler.</summary>
    public static Command Create(TextWriter output) => Create(output, refused: null);

    private static Command Create(TextWriter output, Func<ChatTemplateException, int>? refused)
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
            try
            {
                output.Write(Render(parsed.GetRequiredValue(model), parsed.GetRequiredValue(messages), parsed.GetValue(tools), !parsed.GetValue(noGenerationPrompt)));
                return 0;
            }
            catch (ChatTemplateException ex) when (refused is not null)
            {
                return refused(ex);
            }
        });
        return command;
    }

    private static string Render(string modelFolder, string messagesFile, string? toolsFile, bool addGenerationPrompt)
    {
        JinjaChatTemplate template = JinjaChatTemplate.Load(modelFolder)
            ?? throw new ArgumentException($"Model folder '{modelFolder}' has no chat template (neither chat_template.jinja nor a chat_template in tokenizer_config.json).");
        using JsonDocument conversation = JsonDocument.Parse(File.ReadAllText(messagesFile));
        JsonElement root = conversation.RootElement;
        bool wrapped = root.ValueKind == JsonValueKind.Object;
        JsonElement messages = wrapped && root.TryGetProperty("messages", out JsonElement m) ? m : root;
        using JsonDocument? toolsDocument = toolsFile is null ? null : JsonDocument.Parse(File.ReadAllText(toolsFile));
        JsonElement? tools = toolsDocument?.RootElement ?? (wrapped && root.TryGetProperty("tools", out JsonElement t) ? t : null);
        var variables = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (wrapped && root.TryGetProperty("variables", out JsonElement extra) && extra.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in extra.EnumerateObject())
            {
                variables[property.Name] = property.Value;
            }
        }

        if (wrapped && root.TryGetProperty("documents", out JsonElement documents))
        {
            variables["documents"] = documents;
        }

        return template.Render(messages, tools, addGenerationPrompt, variables.Count == 0 ? null : JsonSerializer.SerializeToElement(variables));
    }
}
