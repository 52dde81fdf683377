using System.Collections.Concurrent;
using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Sampling;

/// <summary>
/// Speculative sampling is exact: over 20 000 seeded generations with a poorly matching draft and
/// K = 4, the first three emitted tokens follow the target's processed distribution. Token 1 is
/// tested against p(· | prompt); token 2 against p(· | prompt, t1) for each observed t1, token 3
/// against p(· | prompt, t1, t2) for each well-populated (t1, t2): the per-context chi-square
/// statistics are summed (independent multinomials given the contexts). Expected distributions
/// come from the target's raw logits through an independent reference of the processors. That the
/// test can fail is shown on the test project's own speculative sampler (<see cref="FaultySpeculativeSampler"/>),
/// which passes it when correct and fails it with each known implementation error injected.
/// </summary>
public sealed class SpeculativeSamplingTests
{
    private const int Samples = 20_000;
    private const double Alpha = SamplingModels.Alpha;
    private const int MinimumBucket = 40;

    private static readonly DecoderSpec TargetSpec = SamplingModels.SmallTarget(seed: 314);

    private static readonly int[] ModelPrompt = [1, 7, 3, 12, 5];

    // Every token occurs in it, so n-gram lookup always finds something to propose.
    private static readonly int[] LookupPrompt = [.. Enumerable.Range(0, 32), 0, 1, 2];

    private static readonly ConcurrentDictionary<(OnnxCausalLM Model, string Context), float[]> TargetLogits = new();
    private static readonly ConcurrentDictionary<(OnnxCausalLM Model, string Context), float[]> DraftLogits = new();

    [Theory]
    [InlineData("t1", "model")]
    [InlineData("t0.7-k8", "model")]
    [InlineData("p0.9", "model")]
    [InlineData("penalties", "model")]
    [InlineData("custom", "model")]
    [InlineData("t1", "ngram")]
    [InlineData("t1", "float32-original")] // an int4 target drafted by the float32 model it was quantized from
    [InlineData("t1", "combined")]
    [InlineData("t0.7-k8", "combined")]
    public void FirstThreeTokens_FollowTheTargetsProcessedDistribution(string configuration, string draftKind)
    {
        Outcome outcome = Run(configuration, draftKind);
        TestContext.Current.TestOutputHelper?.WriteLine(outcome.ToString());

        Assert.All(outcome.PValues, p => Assert.True(p > Alpha, outcome.ToString()));

        // Token 2 is the first drafted position: both the acceptance and the residual path must be well
        // exercised (n-gram proposals on a random model are accepted about 1/32 of the time).
        // The float32 original of an int4 target agrees with it most of the time; the residual path still runs.
        // The combined draft proposes lookup's token there when the first token recurs in the prompt.
        Assert.InRange(outcome.SecondTokenAccepted, draftKind is "ngram" or "combined" ? 0.02 : 0.1, draftKind == "float32-original" ? 0.97 : 0.9);
    }

    [Fact]
    public void ReferenceImplementationWithoutAFault_PassesTheSameTest()
    {
        // The control for the test below: the plain implementation the faults are injected into passes,
        // so what fails there is the fault, not the test's own implementation.
        Outcome outcome = RunReference("t0.7-k8", SamplingFault.None);
        TestContext.Current.TestOutputHelper?.WriteLine(outcome.ToString());
        Assert.All(outcome.PValues, p => Assert.True(p > Alpha, outcome.ToString()));
        Assert.InRange(outcome.SecondTokenAccepted, 0.1, 0.9);
    }

    [Theory]
    [InlineData(nameof(SamplingFault.UnprocessedDraftDistribution))]
    [InlineData(nameof(SamplingFault.ReplacementFromTarget))]
    public void KnownWrongImplementations_AreCaughtByTheSameTest(string faultName)
    {
        SamplingFault fault = Enum.Parse<SamplingFault>(faultName);
        Outcome outcome = RunReference("t0.7-k8", fault);
        TestContext.Current.TestOutputHelper?.WriteLine(outcome.ToString());
        Assert.True(outcome.PValues.Min() < Alpha, $"the {fault} error went unnoticed: {outcome}");
    }

    internal sealed record Outcome(string Name, double[] PValues, double SecondTokenAccepted)
    {
        public override string ToString() =>
            $"{Name}: p-values token1 {PValues[0]:G3}, token2 {PValues[1]:G3}, token3 {PValues[2]:G3}; token 2 accepted from the draft in {SecondTokenAccepted:P1}";
    }

    private static string TargetFolder => TestModels.Folder("sampling-target", TargetSpec);

    private static string Int4TargetFolder => TestModels.Folder("sampling-target-int4", TargetSpec with { Precision = ModelPrecision.Int4 });

    private static string DraftFolder => TestModels.Perturbed("sampling-draft", TargetFolder, 0.4f, seed: 2718); // a poor match: heavy noise

    /// <summary>The first three tokens of <see cref="Samples"/> seeded generations by the library's generator.</summary>
    private static Outcome Run(string configuration, string draftKind)
    {
        // Combined: the model's tokens recur in the prompt now and then, so chains mix model and lookup proposals.
        IDraftModel draft = draftKind switch
        {
            "ngram" => new NGramDraftModel(),
            "float32-original" => LoadedModels.Get(TargetFolder),
            "combined" => new CombinedDraftModel(LoadedModels.Get(DraftFolder), new NGramDraftModel()),
            _ => LoadedModels.Get(DraftFolder),
        };
        OnnxCausalLM target = LoadedModels.Get(draftKind == "float32-original" ? Int4TargetFolder : TargetFolder);
        int[] prompt = draftKind == "ngram" ? LookupPrompt : ModelPrompt;
        GenerationOptions options = ProcessorTests.Options(configuration) with { MaxNewTokens = 6, IgnoreEndOfSequence = true };
        var generator = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 4 });

        var samples = new GeneratedToken[Samples][];
        Parallel.For(0, Samples, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
            samples[i] = FirstTokens(generator.GenerateAsync(prompt, options with { Seed = i }), 3));

        double accepted = samples.Count(s => s[1].Source is TokenSource.Draft or TokenSource.Lookup) / (double)Samples;
        if (draftKind == "combined")
        {
            // Chains mixed: a lookup token after the model's, judged as a point mass where the model's was judged with q.
            Assert.Contains(samples, s => s[1].Source == TokenSource.Draft && s[2].Source == TokenSource.Lookup);
        }

        return Evaluate($"{configuration} with {draftKind} draft", target, options, prompt, [.. samples.Select(s => s.Select(t => t.Id).ToArray())], accepted);
    }

    /// <summary>The first three tokens of <see cref="Samples"/> runs of the test's own speculative sampler, with <paramref name="fault"/> injected.</summary>
    private static Outcome RunReference(string configuration, SamplingFault fault)
    {
        OnnxCausalLM target = LoadedModels.Get(TargetFolder);
        OnnxCausalLM draft = LoadedModels.Get(DraftFolder);
        GenerationOptions options = ProcessorTests.Options(configuration);
        var sampler = new FaultySpeculativeSampler(c => Logits(TargetLogits, target, c), c => Logits(DraftLogits, draft, c), options, draftTokens: 4, fault);
        var random = new Random(4242);
        var samples = new int[Samples][];
        int accepted = 0;
        for (int i = 0; i < Samples; i++)
        {
            samples[i] = sampler.FirstTokens(ModelPrompt, 3, random, out bool secondAccepted);
            accepted += secondAccepted ? 1 : 0;
        }

        return Evaluate($"{configuration} by the test's sampler with fault {fault}", target, options, ModelPrompt, samples, accepted / (double)Samples);
    }

    /// <summary>Tests token 1 against p(· | prompt), token 2 against p(· | prompt, t1) and token 3 against p(· | prompt, t1, t2) for well-populated contexts.</summary>
    /// <summary>
    /// The first three tokens of <paramref name="count"/> seeded generations (seeds 0, 1, …, two at a time) and their
    /// chi-square outcome against <paramref name="target"/>, token 2's acceptance counting draft-model proposals.
    /// </summary>
    internal static (GeneratedToken[][] Samples, Outcome Outcome) SampleDraftModel(
        string name, SpeculativeGenerator generator, OnnxCausalLM target, GenerationOptions options, int[] prompt, int count)
    {
        var samples = new GeneratedToken[count][];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
            samples[i] = FirstTokens(generator.GenerateAsync(prompt, options with { Seed = i }), 3));

        double accepted = samples.Count(s => s[1].Source == TokenSource.Draft) / (double)count;
        Outcome outcome = Evaluate(name, target, options, prompt, [.. samples.Select(s => s.Select(t => t.Id).ToArray())], accepted);
        TestContext.Current.TestOutputHelper?.WriteLine(outcome.ToString());
        return (samples, outcome);
    }

    internal static Outcome Evaluate(string name, OnnxCausalLM target, GenerationOptions options, int[] prompt, int[][] samples, double secondAccepted)
    {
        double first = PValue(target, options, [samples.Select(s => s[0]).ToArray()], [prompt]);
        double second = PValue(
            target,
            options,
            [.. samples.GroupBy(s => s[0]).Select(g => g.Select(s => s[1]).ToArray())],
            [.. samples.GroupBy(s => s[0]).Select(g => (int[])[.. prompt, g.Key])]);
        var thirdGroups = samples.GroupBy(s => (s[0], s[1])).Where(g => g.Count() >= MinimumBucket).ToArray();
        double third = PValue(
            target,
            options,
            [.. thirdGroups.Select(g => g.Select(s => s[2]).ToArray())],
            [.. thirdGroups.Select(g => (int[])[.. prompt, g.Key.Item1, g.Key.Item2])]);
        return new Outcome(name, [first, second, third], secondAccepted);
    }

    /// <summary>Sums per-context chi-square statistics of observed tokens against the reference distribution after each context.</summary>
    private static double PValue(OnnxCausalLM target, GenerationOptions options, int[][] observedPerContext, int[][] contexts)
    {
        double statistic = 0;
        int degreesOfFreedom = 0;
        for (int c = 0; c < contexts.Length; c++)
        {
            double[] expected = ReferenceSampling.Distribution(Logits(TargetLogits, target, contexts[c]), contexts[c], options);
            long[] counts = new long[expected.Length];
            foreach (int token in observedPerContext[c])
            {
                counts[token]++;
            }

            (double s, int df) = ChiSquare.Statistic(counts, expected);
            statistic += s;
            degreesOfFreedom += df;
        }

        return ChiSquare.PValue(statistic, degreesOfFreedom);
    }

    private static float[] Logits(ConcurrentDictionary<(OnnxCausalLM Model, string Context), float[]> cache, OnnxCausalLM model, int[] context) =>
        cache.GetOrAdd((model, string.Join(',', context)), _ =>
        {
            using IModelSession session = model.CreateSession(context.Length);
            session.Append(context);
            return session.GetLogits(context.Length - 1).ToArray();
        });

    internal static GeneratedToken[] FirstTokens(IAsyncEnumerable<GeneratedToken> stream, int count)
    {
        var tokens = new GeneratedToken[count];
        IAsyncEnumerator<GeneratedToken> enumerator = stream.GetAsyncEnumerator();
        try
        {
            for (int i = 0; i < count; i++)
            {
                Assert.True(enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult());
                tokens[i] = enumerator.Current;
            }
        }
        finally
        {
            enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return tokens;
    }
}
