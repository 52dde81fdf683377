using FastDraft.OnnxRuntime;
using FastDraft.Text;

namespace FastDraft.Demo;

/// <summary>
/// The zero-argument demo: a small Python code model and the FastDraft draft trained for it by this repository's own
/// pipeline (<c>samples/FastDraft.Demo/models</c>, see the README there), completing a few code prompts with every token
/// coloured by where it came from, then a timed comparison with target-only decoding that checks the tokens are identical.
/// </summary>
internal static class Showcase
{
    private const int NewTokens = 120;

    private static readonly string[] Prompts =
    [
        "def read_lines(path):\n    \"\"\"Return the lines of a text file.\"\"\"\n",
        "class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n",
        "import os\n\n\ndef list_python_files(folder):\n    result = []\n    for name in os.listdir(folder):\n",
    ];

    public static async Task<int> RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "models");
        using OnnxCausalLM target = OnnxCausalLM.Load(Path.Combine(folder, "target"));
        using OnnxCausalLM draft = OnnxCausalLM.Load(Path.Combine(folder, "draft"));
        ModelTokenizer tokenizer = ModelTokenizer.Load(Path.Combine(folder, "target"));
        var speculative = new SpeculativeGenerator(target, draft, null, tokenizer);
        var targetOnly = new SpeculativeGenerator(target, null, null, tokenizer);
        var options = new GenerationOptions { MaxNewTokens = NewTokens };

        output.WriteLine("A small Python code model (target) and its FastDraft draft, both trained on CPU by this repository's");
        output.WriteLine("own pipeline (fastdraft train-model / train-draft, see samples/FastDraft.Demo/models/README.md). Greedy decoding.");
        output.WriteLine($"ONNX Runtime: target {Threads(target)}, draft {Threads(draft)} ({Environment.ProcessorCount} processors available).");
        bool color = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected
            && Environment.GetEnvironmentVariable("NO_COLOR") is null && Environment.GetEnvironmentVariable("TERM") != "dumb";
        output.WriteLine(color
            ? "Legend: \u001b[32mdrafted & accepted\u001b[0m  \u001b[33mtarget correction\u001b[0m  \u001b[36mbonus\u001b[0m  target only"
            : "Legend: plain = target only, [..] = drafted & accepted, <..> = target correction, {..} = bonus");

        long drafted = 0, accepted = 0;
        foreach (string prompt in Prompts)
        {
            output.WriteLine();
            output.WriteLine("----");
            output.Write(prompt);
            var stats = new GenerationStats();
            await foreach (GeneratedToken token in speculative.GenerateAsync(prompt, options, stats, cancellationToken).ConfigureAwait(false))
            {
                output.Write(Format(token, color));
            }

            output.WriteLine();
            output.WriteLine($"  ({stats.GeneratedTokens} tokens, {stats.AcceptedTokens}/{stats.DraftedTokens} drafted tokens accepted, {stats.TargetCalls} target passes)");
            drafted += stats.DraftedTokens;
            accepted += stats.AcceptedTokens;
        }

        output.WriteLine();
        output.WriteLine($"Acceptance over the three completions: α = {(drafted == 0 ? 0 : (double)accepted / drafted):F2} ({accepted}/{drafted}).");

        // Timed comparison: interleaved, silent, alternating which goes first, so console output and order do not skew it.
        var speculativeRates = new List<double>();
        var targetRates = new List<double>();
        bool identical = true;
        for (int round = 0; round < 3; round++)
        {
            foreach (string prompt in Prompts)
            {
                bool speculativeFirst = round % 2 == 0;
                GenerationResult first = await (speculativeFirst ? speculative : targetOnly).GenerateToListAsync(prompt, options, cancellationToken).ConfigureAwait(false);
                GenerationResult second = await (speculativeFirst ? targetOnly : speculative).GenerateToListAsync(prompt, options, cancellationToken).ConfigureAwait(false);
                (GenerationResult spec, GenerationResult plain) = speculativeFirst ? (first, second) : (second, first);
                speculativeRates.Add(spec.Stats.DecodeTokensPerSecond);
                targetRates.Add(plain.Stats.DecodeTokensPerSecond);
                identical &= spec.Ids.AsSpan().SequenceEqual(plain.Ids);
            }
        }

        double speculativeRate = Median(speculativeRates);
        double targetRate = Median(targetRates);
        output.WriteLine($"Decode speed (median of {speculativeRates.Count} runs, same process): speculative {speculativeRate:F0} tok/s, target only {targetRate:F0} tok/s: {speculativeRate / targetRate:F2}x.");
        output.WriteLine($"Speculative output identical to target-only output: {(identical ? "yes" : "NO")}.");
        return identical ? 0 : 1;
    }

    private static string Format(GeneratedToken token, bool color) => (token.Source, color) switch
    {
        (TokenSource.Draft or TokenSource.Lookup, true) => $"\u001b[32m{token.Text}\u001b[0m",
        (TokenSource.Correction, true) => $"\u001b[33m{token.Text}\u001b[0m",
        (TokenSource.Bonus, true) => $"\u001b[36m{token.Text}\u001b[0m",
        (TokenSource.Draft or TokenSource.Lookup, false) => $"[{token.Text}]",
        (TokenSource.Correction, false) => $"<{token.Text}>",
        (TokenSource.Bonus, false) => $"{{{token.Text}}}",
        _ => token.Text ?? string.Empty,
    };

    /// <summary>A model's intra-op threads and what chose them, for the load line ("1 thread (automatic, 1.6 MB of weights)").</summary>
    private static string Threads(OnnxCausalLM model) =>
        $"{model.IntraOpThreads} intra-op thread{(model.IntraOpThreads == 1 ? string.Empty : "s")} ({model.IntraOpThreadsSource switch
        {
            IntraOpThreadsSource.Automatic => $"chosen for {model.WeightBytes / 1e6:F1} MB of weights",
            IntraOpThreadsSource.Configuration => "genai_config.json",
            _ => "set",
        }})";

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
