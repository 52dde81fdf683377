using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using FastDraft.OnnxRuntime;

namespace FastDraft.Tool;

/// <summary>
/// The options <c>generate</c> and <c>chat</c> share, and the demo's <c>generate</c> too (it references this project): the
/// pair (<c>--target</c>, <c>--draft</c> or <c>--ngram</c>), the length, the draft length, stops and sampling, and, on the
/// tool only, the execution provider.
/// </summary>
internal sealed class GenerationCommandOptions
{
    private readonly Option<string> _target = new("--target") { Description = "The target model folder (ONNX Runtime GenAI format, or a folder with one .onnx decoder) or .onnx file.", HelpName = "DIR", Required = true };
    private readonly Option<string?> _draft = new("--draft") { Description = "A draft model folder: decode speculatively with it. Its vocabulary may be wider or narrower than the target's; its tokenizer.json must agree with the target's on the ids both have.", HelpName = "DIR" };
    private readonly Option<bool> _allowTokenizerMismatch = new("--allow-tokenizer-mismatch") { Description = "Pairs a --draft whose tokenizer.json disagrees with the target's (refused by default, naming the first differing token): for a pair you know is right. The output stays exact; only acceptance suffers if the tokens differ." };
    private readonly Option<int?> _ngram = new("--ngram") { Description = "Draft by looking up n-grams of up to N tokens (1 to 64) in the prompt and the output, instead of a draft model.", HelpName = "N", CustomParser = r => Integer(r, 1, 64) };
    private readonly Option<string[]> _stops;
    private readonly Option<int> _maxNewTokens;
    private readonly Option<int> _draftTokens = new("--draft-tokens") { Description = $"Tokens the draft proposes per round, at most (1 to {SpeculativeOptions.MaxDraftTokens}; the number adapts below it).", HelpName = "K", DefaultValueFactory = _ => 4, CustomParser = r => Integer(r, 1, SpeculativeOptions.MaxDraftTokens) };
    private readonly Option<bool> _ignoreEos = new("--ignore-eos") { Description = "Keeps generating past the model's end-of-sequence tokens." };
    private readonly Option<float> _temperature = new("--temperature") { Description = "Sampling temperature; 0 decodes greedily, above 0 samples (speculative sampling, exact).", HelpName = "T", CustomParser = Real };
    private readonly Option<int> _topK = new("--top-k") { Description = "Sampling keeps the K most likely tokens; 0 keeps all.", HelpName = "K", CustomParser = r => Integer(r, 0, int.MaxValue) };
    private readonly Option<float> _topP = new("--top-p") { Description = "Sampling keeps the most likely tokens whose probability reaches P, in (0, 1].", HelpName = "P", DefaultValueFactory = _ => 1f, CustomParser = Real };
    private readonly Option<float> _minP = new("--min-p") { Description = "Sampling drops tokens less likely than P times the most likely one, in [0, 1].", HelpName = "P", CustomParser = Real };
    private readonly Option<float> _repetitionPenalty = new("--repetition-penalty") { Description = "Divides positive logits of tokens already in the context by R (multiplies negative ones); 1 is off.", HelpName = "R", DefaultValueFactory = _ => 1f, CustomParser = Real };
    private readonly Option<long?> _seed = new("--seed") { Description = "Seed of the sampling: the same seed gives the same tokens.", HelpName = "S", CustomParser = Seed };
    private readonly ExecutionProviderOptions? _provider;

    /// <summary>Creates the options; the descriptions that differ per command are given, and the demo leaves out the execution provider (its models run on the CPU).</summary>
    public GenerationCommandOptions(string maxNewTokensDescription, string stopDescription = "Ends the text before this string (repeatable; needs a text prompt).", bool withExecutionProvider = true)
    {
        _maxNewTokens = new("--max-new-tokens") { Description = maxNewTokensDescription, HelpName = "N", DefaultValueFactory = _ => 64, CustomParser = r => Integer(r, 1, int.MaxValue) };
        _stops = new("--stop") { Description = stopDescription, HelpName = "TEXT" };
        _provider = withExecutionProvider ? new ExecutionProviderOptions() : null;
    }

    /// <summary>Adds the options, and the checks that involve several of them, to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _target, _draft, _allowTokenizerMismatch, _ngram, _stops, _maxNewTokens, _draftTokens, _ignoreEos, _temperature, _topK, _topP, _minP, _repetitionPenalty, _seed })
        {
            command.Options.Add(option);
        }

        _provider?.AddTo(command);
        command.Validators.Add(result =>
        {
            if (result.GetResult(_draft) is not null && result.GetResult(_ngram) is not null)
            {
                result.AddError("--draft and --ngram cannot be combined");
            }
        });
    }

    /// <summary>Gets whether <c>--stop</c> was given.</summary>
    public bool HasStops(ParseResult parsed) => (parsed.GetValue(_stops) ?? []).Length > 0;

    /// <summary>Reads the pair the options name: the target, the draft or n-gram size (at most one), and the draft length.</summary>
    public (string Target, string? Draft, int? NgramSize, int DraftTokens) ReadPair(ParseResult parsed) =>
        (parsed.GetRequiredValue(_target), parsed.GetValue(_draft), parsed.GetValue(_ngram), parsed.GetValue(_draftTokens));

    /// <summary>Gets whether <c>--allow-tokenizer-mismatch</c> was given: the draft's tokenizer is not compared with the target's.</summary>
    public bool AllowsTokenizerMismatch(ParseResult parsed) => parsed.GetValue(_allowTokenizerMismatch);

    /// <summary>Loads the pair the options name (models loaded with the execution provider asked for).</summary>
    public GenerationPair Load(ParseResult parsed, bool withTokenizer)
    {
        OnnxModelOptions modelOptions = _provider?.Read(parsed) ?? OnnxModelOptions.Default;
        (string target, string? draft, int? ngram, int draftTokens) = ReadPair(parsed);
        return GenerationPair.Load(target, draft, ngram, draftTokens, modelOptions, withTokenizer, AllowsTokenizerMismatch(parsed));
    }

    /// <summary>Reads the generation options: sampling, length and stops (range checks are the library's, naming the option, when generation starts).</summary>
    public GenerationOptions Read(ParseResult parsed) => new()
    {
        Temperature = parsed.GetValue(_temperature),
        TopK = parsed.GetValue(_topK),
        TopP = parsed.GetValue(_topP),
        MinP = parsed.GetValue(_minP),
        RepetitionPenalty = parsed.GetValue(_repetitionPenalty),
        Seed = parsed.GetValue(_seed),
        MaxNewTokens = parsed.GetValue(_maxNewTokens),

        // Without --max-new-tokens, the default length gives way to the context's end (as the demo does).
        StopAtContextLimit = parsed.GetResult(_maxNewTokens) is null or { Implicit: true },
        IgnoreEndOfSequence = parsed.GetValue(_ignoreEos),
        StopSequences = parsed.GetValue(_stops) ?? [],
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
}
