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
    public int DraftTokens { get; init; } = 4;
    public bool IgnoreEndOfSequence { get; init; }
    public bool Json { get; init; }
    public GenerationOptions Sampling { get; init; } = GenerationOptions.Default;

    public static GenerateArguments Parse(ReadOnlySpan<string> args)
    {
        string? target = null;
        string? draft = null;
        int? ngram = null;
        int[]? prompt = null;
        string? promptText = null;
        var stops = new List<string>();
        bool chat = false;
        int maxNewTokens = 64;
        int draftTokens = 4;
        bool ignoreEos = false;
        bool json = false;
        var sampling = new GenerationOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string option = args[i];
            switch (option)
            {
                case "--target":
                    target = Value(args, ref i);
                    break;
                case "--draft":
                    draft = Value(args, ref i);
                    break;
                case "--ngram":
                    ngram = Number(option, Value(args, ref i), 1, 64);
                    break;
                case "--prompt-ids":
                    prompt = Ids(Value(args, ref i));
                    break;
                case "--prompt":
                    promptText = RawValue(args, ref i);
                    break;
                case "--stop":
                    stops.Add(RawValue(args, ref i));
                    break;
                case "--chat":
                    chat = true;
                    break;
                case "--max-new-tokens":
                    maxNewTokens = Number(option, Value(args, ref i), 1, int.MaxValue);
                    break;
                case "--draft-tokens":
                    draftTokens = Number(option, Value(args, ref i), 1, FastDraft.SpeculativeOptions.MaxDraftTokens);
                    break;
                case "--temperature":
                    sampling = sampling with { Temperature = Real(option, Value(args, ref i)) };
                    break;
                case "--top-k":
                    sampling = sampling with { TopK = Number(option, Value(args, ref i), 0, int.MaxValue) };
                    break;
                case "--top-p":
                    sampling = sampling with { TopP = Real(option, Value(args, ref i)) };
                    break;
                case "--min-p":
                    sampling = sampling with { MinP = Real(option, Value(args, ref i)) };
                    break;
                case "--repetition-penalty":
                    sampling = sampling with { RepetitionPenalty = Real(option, Value(args, ref i)) };
                    break;
                case "--seed":
                    sampling = sampling with { Seed = long.TryParse(Value(args, ref i), NumberStyles.Integer, CultureInfo.InvariantCulture, out long seed) ? seed : throw new ArgumentException($"--seed must be an integer, not '{args[i]}'") };
                    break;
                case "--ignore-eos":
                    ignoreEos = true;
                    break;
                case "--json":
                    json = true;
                    break;
                default:
                    throw new ArgumentException($"unknown option '{option}' for generate (try --help)");
            }
        }

        if (draft is not null && ngram is not null)
        {
            throw new ArgumentException("--draft and --ngram cannot be combined");
        }

        if ((prompt is null ? 0 : 1) + (promptText is null ? 0 : 1) + (chat ? 1 : 0) != 1)
        {
            throw new ArgumentException("generate needs exactly one of --prompt-ids (comma-separated token ids), --prompt TEXT or --chat");
        }

        return new GenerateArguments
        {
            Target = target ?? throw new ArgumentException("generate needs --target DIR"),
            Draft = draft,
            NgramSize = ngram,
            PromptIds = prompt,
            Prompt = promptText,
            Stops = stops,
            Chat = chat,
            MaxNewTokens = maxNewTokens,
            DraftTokens = draftTokens,
            IgnoreEndOfSequence = ignoreEos,
            Json = json,
            Sampling = sampling,
        };
    }

    /// <summary>A value that may itself start with dashes (prompt text, stop strings).</summary>
    internal static string RawValue(ReadOnlySpan<string> args, ref int i) =>
        ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value");

    internal static string Value(ReadOnlySpan<string> args, ref int i) =>
        ++i < args.Length && !args[i].StartsWith("--", StringComparison.Ordinal) ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value");

    private static int Number(string option, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"{option} must be an integer from {min} to {max}, not '{text}'");

    // Range checks are the library's: an out-of-range value fails when generation starts, naming the option.
    private static float Real(string option, string text) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value)
            ? value
            : throw new ArgumentException($"{option} must be a number, not '{text}'");

    private static int[] Ids(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var ids = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            ids[i] = int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out int id) && id >= 0
                ? id
                : throw new ArgumentException($"--prompt-ids must be comma-separated non-negative integers; '{parts[i]}' is not one");
        }

        return ids;
    }
}
