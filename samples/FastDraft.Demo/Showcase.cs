using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;
using FastDraft.Text;

namespace FastDraft.Demo;

/// <summary>
/// The zero-argument demo: a synthetic, deterministic target/draft pair (the draft is the target's
/// first two layers; the target's other layers add small contributions), a streamed speculative
/// generation coloured by provenance, and a timed comparison with target-only decoding.
/// </summary>
internal static class Showcase
{
    private const int NewTokens = 160;
    private const int DraftTokens = 4;
    private const string Prompt = " the old ship sailed to the north and";

    private static readonly string[] Words =
    [
        "the", "of", "and", "to", "a", "in", "is", "it", "was", "for", "on", "with", "as", "at", "by", "from", "his", "her", "they",
        "we", "you", "she", "he", "old", "new", "ship", "sea", "north", "south", "sailed", "wind", "night", "day", "light", "dark",
        "river", "stone", "king", "city", "road", "long", "small", "great", "cold", "fire", "water", "land", "house", "time", "world",
        "came", "went", "saw", "said", "found", "made", "there", "then", "when", "where", "under", "over", "into", "while", "again",
    ];

    private static readonly DecoderSpec TargetSpec = new()
    {
        VocabularySize = 512,
        HiddenSize = 256,
        Layers = 16,
        Heads = 8,
        KeyValueHeads = 2,
        IntermediateSize = 704,
        ContextLength = 512,
        Seed = 2024,
        AttenuatedLayersFrom = 2,
        AttenuationScale = 0.02f,
        LogitScale = 4f,
        PreferenceBias = 6f, // random weights: favour whole words over raw bytes so the text reads as words
    };

    public static async Task<int> RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        string folder = ModelFolder();
        using OnnxCausalLM target = OnnxCausalLM.Load(Path.Combine(folder, "target"));
        using OnnxCausalLM draft = OnnxCausalLM.Load(Path.Combine(folder, "draft"));
        ModelTokenizer tokenizer = ModelTokenizer.Load(Path.Combine(folder, "target"));
        var speculative = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = DraftTokens }, tokenizer);
        var targetOnly = new SpeculativeGenerator(target, null, null, tokenizer);
        var options = new GenerationOptions { MaxNewTokens = NewTokens, IgnoreEndOfSequence = true };

        output.WriteLine($"Target: {TargetSpec.ParameterCount / 1e6:F1}M parameters, {TargetSpec.Layers} layers. Draft: {(TargetSpec with { Layers = 2 }).ParameterCount / 1e6:F1}M parameters, 2 layers. K = {DraftTokens}.");
        output.WriteLine("Synthetic models with random weights (written once by FastDraft.ModelWriter): the text is word salad; the tokens are exactly the target's.");
        bool color = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected
            && Environment.GetEnvironmentVariable("NO_COLOR") is null && Environment.GetEnvironmentVariable("TERM") != "dumb";
        output.WriteLine(color
            ? "Legend: \u001b[32mdrafted & accepted\u001b[0m  \u001b[33mtarget correction\u001b[0m  \u001b[36mbonus\u001b[0m  target only"
            : "Legend: plain = target only, [..] = drafted & accepted, <..> = target correction, {..} = bonus");
        output.Write($"Prompt:{Prompt}");

        var stats = new GenerationStats();
        await foreach (GeneratedToken token in speculative.GenerateAsync(Prompt, options, stats, cancellationToken).ConfigureAwait(false))
        {
            output.Write(Format(token, color));
        }

        output.WriteLine();
        output.WriteLine(stats.ToString());

        // Timed comparison, interleaved and silent so console output does not skew it.
        var speculativeRates = new List<double>();
        var targetRates = new List<double>();
        int[]? speculativeIds = null;
        int[]? targetIds = null;
        for (int round = 0; round < 3; round++)
        {
            GenerationResult spec = await speculative.GenerateToListAsync(Prompt, options, cancellationToken).ConfigureAwait(false);
            GenerationResult plain = await targetOnly.GenerateToListAsync(Prompt, options, cancellationToken).ConfigureAwait(false);
            speculativeRates.Add(spec.Stats.DecodeTokensPerSecond);
            targetRates.Add(plain.Stats.DecodeTokensPerSecond);
            speculativeIds = spec.Ids;
            targetIds = plain.Ids;
        }

        double speculativeRate = Median(speculativeRates);
        double targetRate = Median(targetRates);
        bool identical = speculativeIds!.AsSpan().SequenceEqual(targetIds);
        output.WriteLine($"Decode speed (median of 3, same process): speculative {speculativeRate:F0} tok/s, target only {targetRate:F0} tok/s: {speculativeRate / targetRate:F2}x.");
        output.WriteLine($"Speculative output identical to target-only output: {(identical ? "yes" : "NO")}.");
        return identical ? 0 : 1;
    }

    private static string Format(GeneratedToken token, bool color) => (token.Source, color) switch
    {
        (TokenSource.Draft, true) => $"\u001b[32m{token.Text}\u001b[0m",
        (TokenSource.Correction, true) => $"\u001b[33m{token.Text}\u001b[0m",
        (TokenSource.Bonus, true) => $"\u001b[36m{token.Text}\u001b[0m",
        (TokenSource.Draft, false) => $"[{token.Text}]",
        (TokenSource.Correction, false) => $"<{token.Text}>",
        (TokenSource.Bonus, false) => $"{{{token.Text}}}",
        _ => token.Text ?? string.Empty,
    };

    private const string ChatML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    /// <summary>Writes the pair once into a cache folder (FASTDRAFT_CACHE, else the user's local data folder).</summary>
    private static string ModelFolder()
    {
        string root = Environment.GetEnvironmentVariable("FASTDRAFT_CACHE") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create) is { Length: > 0 } local ? local : Path.GetTempPath(), "FastDraft");
        string folder = Path.Combine(root, "demo-pair-v2");
        string done = Path.Combine(folder, "complete");
        if (!File.Exists(done))
        {
            Console.Error.WriteLine($"Writing the demo models (once) to {folder} ...");
            foreach ((string name, int layers) in new[] { ("target", TargetSpec.Layers), ("draft", 2) })
            {
                string model = Path.Combine(folder, name);
                WrittenTokenizer tokenizer = TokenizerWriter.WriteByteLevel(model, TargetSpec.VocabularySize, Words, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], ChatML);
                int endOfText = tokenizer.SpecialTokenIds[0];
                LlamaModelWriter.Write(
                    TargetSpec with
                    {
                        Layers = layers,
                        VocabularySize = tokenizer.VocabularySize,
                        PreferredTokensFrom = tokenizer.FirstWordId,
                        BeginningOfSequenceTokenId = endOfText,
                        EndOfSequenceTokenId = endOfText,
                        PaddingTokenId = endOfText,
                    },
                    model);
            }

            File.WriteAllText(done, "written by FastDraft.Demo\n");
        }

        return folder;
    }
}
