using System.Collections.Concurrent;
using System.Numerics.Tensors;
using System.Text;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Tests.Sampling;
using FastDraft.Text;

namespace FastDraft.Tests.Text.Json;

/// <summary>Constrained generation on the demo pair (a trained byte-level target and its draft): exact under speculation, valid under every suite schema.</summary>
public sealed class JsonConstraintGenerationTests(ITestOutputHelper output)
{
    private const string Prompt = "import json\n\nCONFIG = ";
    private static readonly ConcurrentDictionary<string, JsonConstraint> Constraints = new();

    internal static string Folder(string name) => Path.Combine(AppContext.BaseDirectory, "models", name);

    internal static ModelTokenizer DemoTokenizer { get; } = ModelTokenizer.Load(Folder("target"));

    [Theory]
    [ClassData(typeof(JsonSchemaNames))]
    public async Task Greedy_SpeculativeUnderSchema_EqualsTargetOnly_AndValidates(string name)
    {
        OnnxCausalLM target = LoadedModels.Get(Folder("target"));
        OnnxCausalLM draft = LoadedModels.Get(Folder("draft"));
        var options = new GenerationOptions { MaxNewTokens = 400, Constraint = Constraint(name) };

        GenerationResult plain = await new SpeculativeGenerator(target, tokenizer: DemoTokenizer).GenerateToListAsync(Prompt, options);
        GenerationResult fast = await new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 4 }, DemoTokenizer).GenerateToListAsync(Prompt, options);

        Assert.Equal(plain.Ids, fast.Ids);
        Assert.Equal(StopReason.EndOfSequence, fast.Stats.StopReason);
        JsonSchemaSuite.AssertValid(name, fast.Text!);
        Assert.Equal(fast.Tokens.Count(t => t.Source == TokenSource.Grammar), fast.Stats.GrammarTokens);
        output.WriteLine($"{name}: {fast.Text} ({fast.Stats.GrammarTokens}/{fast.Stats.GeneratedTokens} forced)");
    }

    [Fact]
    public async Task Greedy_TokensForcedInsideADraftChain_RideAlongWithoutADraftPass_AndStayExact()
    {
        // Before: only a round's leading forced tokens were free; the draft model chose forced tokens after its own
        // proposals one pass each. Now they are proposed as grammar tokens and fed with the token before them, so a
        // grammar token can follow a draft token within a round, and output stays target-only's.
        OnnxCausalLM target = LoadedModels.Get(Folder("target"));
        OnnxCausalLM draft = LoadedModels.Get(Folder("draft"));
        int afterDraft = 0, grammar = 0;
        foreach (string name in JsonSchemaSuite.Names.Take(8))
        {
            var options = new GenerationOptions { MaxNewTokens = 200, Constraint = Constraint(name) };
            GenerationResult plain = await new SpeculativeGenerator(target, tokenizer: DemoTokenizer).GenerateToListAsync(Prompt, options);
            GenerationResult fast = await new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 8, AdaptiveDraftTokens = false }, DemoTokenizer).GenerateToListAsync(Prompt, options);
            Assert.Equal(plain.Ids, fast.Ids);
            for (int i = 1; i < fast.Tokens.Count; i++)
            {
                afterDraft += fast.Tokens[i].Source == TokenSource.Grammar && fast.Tokens[i - 1].Source == TokenSource.Draft ? 1 : 0;
            }

            grammar += fast.Stats.GrammarTokens;
        }

        output.WriteLine($"{afterDraft} of {grammar} grammar tokens followed a draft token in its round");
        Assert.True(afterDraft > 0, "no forced token was proposed inside a draft chain");
    }

    [Fact]
    public async Task Greedy_UnderAnyJson_EqualsTargetOnly_AndParses()
    {
        OnnxCausalLM target = LoadedModels.Get(Folder("target"));
        OnnxCausalLM draft = LoadedModels.Get(Folder("draft"));
        var options = new GenerationOptions { MaxNewTokens = 300, Constraint = JsonConstraint.AnyJson(DemoTokenizer) };

        GenerationResult plain = await new SpeculativeGenerator(target, tokenizer: DemoTokenizer).GenerateToListAsync(Prompt, options);
        GenerationResult fast = await new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 4 }, DemoTokenizer).GenerateToListAsync(Prompt, options);

        Assert.Equal(plain.Ids, fast.Ids);
        if (fast.Stats.StopReason == StopReason.EndOfSequence)
        {
            using var document = System.Text.Json.JsonDocument.Parse(fast.Text!);
        }
    }

    /// <summary>
    /// Sampled at temperature 1 with the draft: the outputs (each a whole value of the enum) are distributed as the target's
    /// constrained distribution says, the product of its masked conditional probabilities along each value's bytes.
    /// </summary>
    [Fact]
    public void Sampling_SpeculativeUnderEnum_DrawsFromTheConstrainedTarget()
    {
        const int Samples = 600;
        string[] values = ["\"yes\"", "\"no\"", "\"maybe\"", "1", "12", "true", "null"];
        OnnxCausalLM target = LoadedModels.Get(Folder("target"));
        OnnxCausalLM draft = LoadedModels.Get(Folder("draft"));
        JsonConstraint constraint = JsonConstraint.ForSchema("""{"enum": ["yes", "no", "maybe", 1, 12, true, null]}""", DemoTokenizer);
        int[] prompt = [.. DemoTokenizer.Encode(Prompt)];
        var generator = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false }, DemoTokenizer);

        var texts = new string[Samples];
        Parallel.For(0, Samples, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
            texts[i] = generator.GenerateToListAsync(prompt, new GenerationOptions { Temperature = 1f, Seed = i, MaxNewTokens = 16, Constraint = constraint }).GetAwaiter().GetResult().Text!);

        double[] expected = [.. values.Select(v => Probability(target, constraint, prompt, v))];
        long[] counts = [.. values.Select(v => (long)texts.Count(t => t == v))];
        Assert.Equal(Samples, counts.Sum());
        Assert.Equal(1.0, expected.Sum(), 3);
        (double statistic, int df) = ChiSquare.Statistic(counts, expected);
        Assert.True(ChiSquare.PValue(statistic, df) > 0.001, $"χ² = {statistic:F1} on {df} df; counts {string.Join(',', counts)}; expected {string.Join(',', expected.Select(p => (p * Samples).ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))}");
    }

    internal static JsonConstraint Constraint(string name) => Constraints.GetOrAdd(name, n => JsonConstraint.ForSchema(JsonSchemaSuite.Schema(n), DemoTokenizer));

    /// <summary>The target's probability of generating <paramref name="value"/> and then end-of-sequence under the constraint.</summary>
    private static double Probability(OnnxCausalLM target, JsonConstraint constraint, int[] prompt, string value)
    {
        int[] generated = [.. Encoding.UTF8.GetBytes(value).Select(b => (int)b), DemoTokenizer.EndOfSequenceTokenId!.Value];
        ITokenMatcher matcher = constraint.CreateMatcher();
        double probability = 1;
        for (int i = 0; i < generated.Length; i++)
        {
            int[] context = [.. prompt, .. generated[..i]];
            using IModelSession session = target.CreateSession(context.Length);
            session.Append(context);
            float[] logits = session.GetLogits(context.Length - 1).ToArray();
            matcher.Mask(logits, generated.AsSpan(0, i));
            TensorPrimitives.SoftMax(logits, logits);
            probability *= logits[generated[i]];
        }

        return probability;
    }
}
