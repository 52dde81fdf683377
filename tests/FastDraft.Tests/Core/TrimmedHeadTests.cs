using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Tests.Sampling;
using GenAI = Microsoft.ML.OnnxRuntimeGenAI;

namespace FastDraft.Tests.Core;

/// <summary>
/// A draft with a trimmed LM head (<see cref="DecoderSpec.HeadTokenIds"/>): the target's first layer with its head cut to
/// 21 of 32 ids, written by the project's writer. It still outputs the target's width, ids outside the kept set at
/// <see cref="DecoderSpec.TrimmedLogit"/>, so it is never asked to draft them; the target writes them often, so the residual
/// must supply them. Greedy output equals target-only's token for token, sampling keeps the target's distribution
/// (chi-square), and ONNX Runtime GenAI runs the draft as our loader does.
/// </summary>
public sealed class TrimmedHeadTests
{
    private const int Samples = 10_000;
    private const double Alpha = SamplingModels.Alpha;

    private static readonly DecoderSpec TargetSpec = SamplingModels.SmallTarget(seed: 2718);

    /// <summary>Every id but those ≡ 2 (mod 3): 21 ids, the others (end of sequence included) never drafted.</summary>
    private static readonly int[] Kept = [.. Enumerable.Range(0, 32).Where(id => id % 3 != 2)];

    private static readonly int[][] Prompts = [[1, 7, 3, 12, 5], [4, 4, 9, 30, 0, 21], [16, 3], [11, 19, 2, 8, 13, 23, 6, 14]];

    private static readonly GenerationOptions Greedy = new() { MaxNewTokens = 40, IgnoreEndOfSequence = true };

    private static OnnxCausalLM Target => LoadedModels.Get(TestModels.Folder("trimmed-target", TargetSpec));

    /// <summary>The target's first layer with its full head, at a precision: what the trimmed draft computes on the kept ids.</summary>
    private static OnnxCausalLM FullDraft(ModelPrecision precision) =>
        LoadedModels.Get(TestModels.Folder($"trimmed-full-draft-{precision}".ToLowerInvariant(), TargetSpec with { Layers = 1, Precision = precision }));

    private static OnnxCausalLM Draft(ModelPrecision precision) => LoadedModels.Get(DraftFolder(precision));

    [Theory]
    [InlineData(ModelPrecision.Fp32)]
    [InlineData(ModelPrecision.Fp16)]
    [InlineData(ModelPrecision.Int4)]
    public void Logits_HaveTheTargetsWidth_AndTheFullHeadsValuesOnKeptIds(ModelPrecision precision)
    {
        OnnxCausalLM draft = Draft(precision);
        Assert.Equal(Target.Info.VocabularySize, draft.Info.VocabularySize);
        float floor = precision == ModelPrecision.Fp16 ? (float)Half.MinValue : DecoderSpec.TrimmedLogit;
        int[] prompt = Prompts[0];
        using IModelSession trimmed = draft.CreateSession(16);
        using IModelSession full = FullDraft(precision).CreateSession(16);
        trimmed.Append(prompt);
        full.Append(prompt);
        for (int row = 0; row < prompt.Length; row++)
        {
            float[] ours = trimmed.GetLogits(row).ToArray();
            float[] reference = full.GetLogits(row).ToArray();
            Assert.Equal(TargetSpec.VocabularySize, ours.Length);
            for (int id = 0; id < ours.Length; id++)
            {
                if (Kept.Contains(id))
                {
                    // The same computation on the same (rounded or quantized) weights; only the head's width differs.
                    Assert.True(Math.Abs(ours[id] - reference[id]) < (precision == ModelPrecision.Fp16 ? 0.02 : 1e-4), $"row {row}, id {id}: {ours[id]} vs {reference[id]}");
                }
                else
                {
                    Assert.Equal(floor, ours[id]);
                }
            }
        }
    }

    [Fact]
    public async Task GreedyOutput_EqualsTargetOnly_WithATrimmedDraft()
    {
        var targetOnly = new SpeculativeGenerator(Target);
        var speculative = new SpeculativeGenerator(Target, Draft(ModelPrecision.Fp32), new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false });
        int accepted = 0;
        int outside = 0;
        foreach (int[] prompt in Prompts)
        {
            GenerationResult expected = await targetOnly.GenerateToListAsync(prompt, Greedy, TestContext.Current.CancellationToken);
            var tokens = new List<GeneratedToken>();
            await foreach (GeneratedToken token in speculative.GenerateAsync(prompt, Greedy, cancellationToken: TestContext.Current.CancellationToken))
            {
                tokens.Add(token);
            }

            Assert.Equal(expected.Ids, tokens.Select(t => t.Id).ToArray());
            Assert.All(tokens.Where(t => t.Source == TokenSource.Draft), t => Assert.Contains(t.Id, Kept));
            accepted += tokens.Count(t => t.Source == TokenSource.Draft);
            outside += expected.Ids.Count(id => !Kept.Contains(id));
        }

        Assert.True(accepted > 0, "the trimmed draft never had a token accepted");
        Assert.True(outside > 0, "the target never wrote an id outside the kept set, so the test shows nothing");
    }

    [Theory]
    [InlineData("greedy")]
    [InlineData("t1")]
    public async Task TheDraftAlone_NeverWritesAnIdOutsideTheKeptSet(string configuration)
    {
        // What the draft proposes is what it would write alone, greedy or sampled.
        var draftOnly = new SpeculativeGenerator(Draft(ModelPrecision.Fp32));
        GenerationOptions options = configuration == "greedy" ? Greedy : ProcessorTests.Options(configuration) with { MaxNewTokens = 40, IgnoreEndOfSequence = true };
        for (int seed = 0; seed < 8; seed++)
        {
            GenerationResult result = await draftOnly.GenerateToListAsync(Prompts[seed % Prompts.Length], options with { Seed = seed }, TestContext.Current.CancellationToken);
            Assert.All(result.Ids, id => Assert.Contains(id, Kept));
        }
    }

    [Theory]
    [InlineData("t1")]
    [InlineData("t0.7-k8")]
    public void FirstThreeTokens_FollowTheTargetsDistribution_WithATrimmedDraft(string configuration)
    {
        int[] prompt = Prompts[0];
        GenerationOptions options = ProcessorTests.Options(configuration) with { MaxNewTokens = 6, IgnoreEndOfSequence = true };
        var generator = new SpeculativeGenerator(Target, Draft(ModelPrecision.Fp32), new SpeculativeOptions { DraftTokens = 4 });

        (GeneratedToken[][] samples, SpeculativeSamplingTests.Outcome outcome) = SpeculativeSamplingTests.SampleDraftModel(
            $"{configuration} with a trimmed draft", generator, Target, options, prompt, Samples);

        Assert.All(outcome.PValues, p => Assert.True(p > Alpha, outcome.ToString()));
        Assert.InRange(outcome.SecondTokenAccepted, 0.1, 0.95);
        Assert.All(samples.SelectMany(s => s).Where(t => t.Source == TokenSource.Draft), t => Assert.Contains(t.Id, Kept));

        // The residual supplied ids the draft cannot propose, right after drafted positions.
        Assert.Contains(samples, s => s[1].Source != TokenSource.Draft && !Kept.Contains(s[1].Id));
    }

    [Theory]
    [InlineData(ModelPrecision.Fp32)]
    [InlineData(ModelPrecision.Fp16)]
    [InlineData(ModelPrecision.Int4)]
    public void OnnxRuntimeGenAI_DecodesTheTrimmedDraft_AsOurLoaderDoes(ModelPrecision precision)
    {
        string folder = DraftFolder(precision);

        // ONNX Runtime GenAI runs int4 as ONNX Runtime does by default (int8 activations in one-token passes): so do we here.
        using OnnxCausalLM model4 = OnnxCausalLM.Load(folder, OnnxModelOptions.Default with { ExactInt4 = false });
        var ours = new SpeculativeGenerator(model4);
        foreach (int[] prompt in Prompts)
        {
            int[] expected = ours.GenerateToListAsync(prompt, Greedy with { MaxNewTokens = 24 }).GetAwaiter().GetResult().Ids;
            Assert.Equal(expected, GenAIOracle.Greedy(folder, prompt, 24));
        }

        // GenAI's own sampling at temperature 1 over the full width: the trimmed ids' logit gives no NaN and is never drawn.
        using var model = new GenAI.Model(folder);
        for (int seed = 0; seed < 4; seed++)
        {
            using var parameters = new GenAI.GeneratorParams(model);
            parameters.SetSearchOption("max_length", Prompts[0].Length + 24);
            parameters.SetSearchOption("do_sample", true);
            parameters.SetSearchOption("temperature", 1.0);
            parameters.SetSearchOption("top_k", 0);
            parameters.SetSearchOption("random_seed", seed);
            using var generator = new GenAI.Generator(model, parameters);
            generator.AppendTokens(Prompts[0]);
            while (!generator.IsDone())
            {
                generator.GenerateNextToken();
            }

            Assert.All(generator.GetSequence(0)[Prompts[0].Length..].ToArray(), id => Assert.Contains(id, Kept));
        }
    }

    /// <summary>The target's first layer, its head cut to the kept ids' columns.</summary>
    private static string DraftFolder(ModelPrecision precision)
    {
        string name = $"trimmed-draft-{precision}".ToLowerInvariant();
        return TrimmedFolders.GetOrAdd(name, _ => new Lazy<string>(() =>
        {
            string source = TestModels.Folder("trimmed-target", TargetSpec);
            string modelFile = Path.Combine(source, "model.onnx");
            Dictionary<string, float[]> weights = OnnxFloatInitializer.ReadAll(modelFile).ToDictionary(t => t.Name, t => t.ReadValues(source, modelFile));
            float[] head = weights["lm_head.weight"];
            float[] trimmed = [.. Enumerable.Range(0, TargetSpec.HiddenSize).SelectMany(row => Kept.Select(id => head[(row * TargetSpec.VocabularySize) + id]))];
            string folder = TestModels.Scratch(name);
            DecoderSpec spec = TargetSpec with { Layers = 1, HeadTokenIds = Kept, Precision = precision, Attention = AttentionKind.GroupQueryAttention };
            LlamaModelWriter.Write(spec, folder, tensor => tensor == "lm_head.weight" ? trimmed : weights[tensor]);
            return folder;
        })).Value;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<string>> TrimmedFolders = new();
}
