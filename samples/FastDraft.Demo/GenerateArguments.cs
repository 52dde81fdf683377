using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace FastDraft.Demo;

/// <summary>The arguments of <c>generate</c>, checked before any model is loaded.</summary>
internal sealed record GenerateArguments
{
    public required string Target { get; init; }
    public string? Draft { get; init; }
    public int? NgramSize { get; init; }
    public int[]? PromptIds { get; init; }
    public string? Prompt { get; init; }
    public IReadOnlyList<string> Stops { get; init; } = [];
    public bool Chat { get; init; }
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Gets a value indicating whether <c>--max-new-tokens</c> was given: the demo's own default gives way to the context's end.</summary>
    public bool MaxNewTokensGiven { get; init; }
    public int DraftTokens { get; init; } = 4;
    public bool IgnoreEndOfSequence { get; init; }
    public bool Json { get; init; }
    public GenerationOptions Sampling { get; init; } = GenerationOptions.Default;
}

/// <summary>The options of <c>generate</c> (System.CommandLine), read into <see cref="GenerateArguments"/>.</summary>
internal sealed class GenerateCommandOptions
{
    private readonly Option<string> _target = new("--target") { Description = "The target model folder (ONNX Runtime GenAI format, or a folder with one .onnx decoder) or .onnx file.", HelpName = "DIR", Required = true };
    private readonly Option<string?> _draft = new("--draft") { Description = "A draft model folder: decode speculatively with it (it must share the target's vocabulary).", HelpName = "DIR" };
    private readonly Option<int?> _ngram = new("--ngram") { Description = "Draft by looking up n-grams of up to N tokens (1 to 64) in the prompt and the output, instead of a draft model.", HelpName = "N", CustomParser = r => Integer(r, 1, 64) };
    private readonly Option<int[]?> _promptIds = new("--prompt-ids") { Description = "The prompt as comma-separated token ids; prints the generated ids.", HelpName = "1,2,3", Arity = ArgumentArity.ExactlyOne, CustomParser = Ids };
    private readonly Option<string?> _prompt = new("--prompt") { Description = "The prompt as text, encoded with the target folder's tokenizer; streams the generated text.", HelpName = "TEXT" };
    private readonly Option<string[]> _stops = new("--stop") { Description = "Ends the text before this string (repeatable; needs --prompt or --chat).", HelpName = "TEXT" };
    private readonly Option<bool> _chat = new("--chat") { Description = "An interactive chat: the tokenizer's chat template, else plain \"User:/Assistant:\" lines; the oldest turns are dropped when the conversation outgrows the context; an empty line or /exit ends it." };
    private readonly Option<int> _maxNewTokens = new("--max-new-tokens") { Description = "The most tokens to generate (without this option, fewer when the context fills first).", HelpName = "N", DefaultValueFactory = _ => 64, CustomParser = r => Integer(r, 1, int.MaxValue) };
    private readonly Option<int> _draftTokens = new("--draft-tokens") { Description = $"Tokens the draft proposes per round, at most (1 to {SpeculativeOptions.MaxDraftTokens}; the number adapts below it).", HelpName = "K", DefaultValueFactory = _ => 4, CustomParser = r => Integer(r, 1, SpeculativeOptions.MaxDraftTokens) };
    private readonly Option<bool> _ignoreEos = new("--ignore-eos") { Description = "Keeps generating past the model's end-of-sequence tokens." };
    private readonly Option<bool> _json = new("--json") { Description = "Prints one JSON object: {\"ids\":[...],\"stats\":{...}}, with \"prompt_ids\" and \"text\" for a text prompt." };
    private readonly Option<float> _temperature = new("--temperature") { Description = "Sampling temperature; 0 decodes greedily, above 0 samples (speculative sampling, exact).", HelpName = "T", CustomParser = Real };
    private readonly Option<int> _topK = new("--top-k") { Description = "Sampling keeps the K most likely tokens; 0 keeps all.", HelpName = "K", CustomParser = r => Integer(r, 0, int.MaxValue) };
    private readonly Option<float> _topP = new("--top-p") { Description = "Sampling keeps the most likely tokens whose probability reaches P, in (0, 1].", HelpName = "P", DefaultValueFactory = _ => 1f, CustomParser = Real };
    private readonly Option<float> _minP = new("--min-p") { Description = "Sampling drops tokens less likely than P times the most likely one, in [0, 1].", HelpName = "P", CustomParser = Real };
    private readonly Option<float> _repetitionPenalty = new("--repetition-penalty") { Description = "Divides positive logits of tokens already in the context by R (multiplies negative ones); 1 is off.", HelpName = "R", DefaultValueFactory = _ => 1f, CustomParser = Real };
    private readonly Option<long?> _seed = new("--seed") { Description = "Seed of the sampling: the same seed gives the same tokens.", HelpName = "S", CustomParser = Seed };

    /// <summary>Adds the options, and the checks that involve several of them, to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _target, _draft, _ngram, _promptIds, _prompt, _stops, _chat, _maxNewTokens, _draftTokens, _ignoreEos, _json, _temperature, _topK, _topP, _minP, _repetitionPenalty, _seed })
        {
            command.Options.Add(option);
        }

        command.Validators.Add(result =>
        {
            if (result.GetResult(_draft) is not null && result.GetResult(_ngram) is not null)
            {
                result.AddError("--draft and --ngram cannot be combined");
            }

            int prompts = (result.GetResult(_promptIds) is null ? 0 : 1) + (result.GetResult(_prompt) is null ? 0 : 1) + (result.GetValue(_chat) ? 1 : 0);
            if (prompts != 1)
            {
                result.AddError("generate needs exactly one of --prompt-ids (comma-separated token ids), --prompt TEXT or --chat");
            }
        });
    }

    /// <summary>Reads a parse without errors.</summary>
    public GenerateArguments Read(ParseResult parsed) => new()
    {
        Target = parsed.GetRequiredValue(_target),
        Draft = parsed.GetValue(_draft),
        NgramSize = parsed.GetValue(_ngram),
        PromptIds = parsed.GetResult(_promptIds) is null ? null : parsed.GetValue(_promptIds),
        Prompt = parsed.GetValue(_prompt),
        Stops = parsed.GetValue(_stops) ?? [],
        Chat = parsed.GetValue(_chat),
        MaxNewTokens = parsed.GetValue(_maxNewTokens),
        MaxNewTokensGiven = parsed.GetResult(_maxNewTokens) is { Implicit: false },
        DraftTokens = parsed.GetValue(_draftTokens),
        IgnoreEndOfSequence = parsed.GetValue(_ignoreEos),
        Json = parsed.GetValue(_json),

        // Range checks are the library's: an out-of-range value fails when generation starts, naming the option.
        Sampling = new GenerationOptions
        {
            Temperature = parsed.GetValue(_temperature),
            TopK = parsed.GetValue(_topK),
            TopP = parsed.GetValue(_topP),
            MinP = parsed.GetValue(_minP),
            RepetitionPenalty = parsed.GetValue(_repetitionPenalty),
            Seed = parsed.GetValue(_seed),
        },
    };

    private static string Name(ArgumentResult result) => ((OptionResult)result.Parent!).Option.Name;

    private static int Integer(ArgumentResult result, int min, int max)
    {
        string text = result.Tokens[0].Value;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max)
        {
            return value;
        }

        result.AddError($"{Name(result)} must be an integer from {min} to {max}, not '{text}'");
        return default;
    }

    private static float Real(ArgumentResult result)
    {
        string text = result.Tokens[0].Value;
        if (float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
        {
            return value;
        }

        result.AddError($"{Name(result)} must be a number, not '{text}'");
        return default;
    }

    private static long? Seed(ArgumentResult result)
    {
        string text = result.Tokens[0].Value;
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long seed))
        {
            return seed;
        }

        result.AddError($"--seed must be an integer, not '{text}'");
        return null;
    }

    private static int[]? Ids(ArgumentResult result)
    {
        string[] parts = result.Tokens[0].Value.Split(',', StringSplitOptions.TrimEntries);
        var ids = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out ids[i]) || ids[i] < 0)
            {
                result.AddError($"--prompt-ids must be comma-separated non-negative integers; '{parts[i]}' is not one");
                return null;
            }
        }

        return ids;
    }
}
