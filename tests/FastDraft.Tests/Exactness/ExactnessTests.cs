using System.Collections.Concurrent;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Tests.Onnx;

namespace FastDraft.Tests.Exactness;

/// <summary>
/// Greedy speculative output equals target-only greedy output, token for token: 20 prompts × 64
/// new tokens, for every target flavour (the writer's fp32, int4 and fp16 ones included) and kind of draft, for K in {1, 3, 8}. A divergence is only
/// tolerated at a near-tie of the target (top-2 logit margin below 1e-4), and is reported either way.
/// </summary>
public sealed class ExactnessTests
{
    private const int NewTokens = 64;
    private const double NearTie = 1e-4;
    private static readonly int[] DraftLengths = [1, 3, 8];
    private static readonly ConcurrentDictionary<string, Lazy<int[][]>> References = new();

    public static TheoryData<string, string> Pairs()
    {
        var pairs = new TheoryData<string, string>();
        foreach (string target in new[] { "writer-gqa", "writer-standard", "writer-int4", "writer-fp16", SharedModels.LlamaGqa, SharedModels.Gpt2Legacy })
        {
            foreach (string draft in new[] { "perturbed", "unrelated", "self", "ngram" })
            {
                pairs.Add(target, draft);
            }
        }

        pairs.Add(SharedModels.LlamaGqa, SharedModels.LlamaMhaFp16);
        pairs.Add("writer-int4", "writer-gqa"); // the int4 target drafted by its own float32 original
        pairs.Add("writer-gqa", "writer-int4"); // and the other way round
        pairs.Add("writer-gqa", "combined");
        pairs.Add(SharedModels.LlamaGqa, "combined");
        return pairs;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task SpeculativeGreedy_EqualsTargetOnlyGreedy_TokenForToken(string targetFlavour, string draftKind)
    {
        string targetFolder = KvCacheTests.FolderOf(targetFlavour);
        OnnxCausalLM target = LoadedModels.Get(targetFolder);
        IDraftModel draft = Draft(targetFlavour, targetFolder, target, draftKind);
        int[][] prompts = Prompts.For(target.Info.VocabularySize);
        int[][] expected = References.GetOrAdd(targetFolder, _ => new Lazy<int[][]>(() => TargetOnly(target, prompts))).Value;
        var options = new GenerationOptions { MaxNewTokens = NewTokens, IgnoreEndOfSequence = true };

        var failures = new List<string>();
        long drafted = 0;
        long accepted = 0;
        long lookup = 0;
        foreach (int k in DraftLengths)
        {
            var generator = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = k, AdaptiveDraftTokens = false });
            for (int p = 0; p < prompts.Length; p++)
            {
                GenerationResult result = await generator.GenerateToListAsync(prompts[p], options, TestContext.Current.CancellationToken);
                drafted += result.Stats.DraftedTokens;
                accepted += result.Stats.AcceptedTokens;
                lookup += result.Stats.LookupTokens;
                int at = FirstDifference(expected[p], result.Ids);
                if (at >= 0)
                {
                    double margin = TopTwoMargin(target, [.. prompts[p], .. expected[p][..at]]);
                    string report = $"K={k} prompt {p}: first difference at token {at} (target-only {expected[p][at]}, speculative {result.Ids[at]}); target top-2 margin there {margin:E2}";
                    TestContext.Current.TestOutputHelper?.WriteLine(report);
                    if (margin >= NearTie)
                    {
                        failures.Add(report);
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, $"{targetFlavour} with draft {draftKind}:\n" + string.Join('\n', failures));

        // The draft kinds cover the whole range of acceptance the issue asks for.
        double rate = drafted == 0 ? 0 : (double)accepted / drafted;
        TestContext.Current.TestOutputHelper?.WriteLine($"{targetFlavour} + {draftKind}: acceptance {rate:P1} of {drafted} drafted");
        switch (draftKind)
        {
            case "self":
                Assert.Equal(1.0, rate);
                break;
            case "unrelated":
                Assert.InRange(rate, 0.0, 0.2);
                break;
            case "perturbed":
                Assert.InRange(rate, 0.2, 0.9);
                break;
            case SharedModels.LlamaMhaFp16:
                Assert.InRange(rate, 0.9, 1.0); // the same weights in fp16: near-total agreement
                break;
            case "writer-gqa" or "writer-int4":
                Assert.InRange(rate, 0.6, 1.0); // the same weights, one quantized: most tokens agree
                break;
            case "ngram":
                Assert.True(drafted > 0, "n-gram lookup found nothing to propose");
                break;
            case "combined":
                Assert.InRange(lookup, 1, drafted - 1); // both sources proposed
                break;
        }
    }

    private static IDraftModel Draft(string targetFlavour, string targetFolder, OnnxCausalLM target, string kind) => kind switch
    {
        "self" => target,
        "ngram" => new NGramDraftModel(),
        "combined" => new CombinedDraftModel(Draft(targetFlavour, targetFolder, target, "perturbed"), new NGramDraftModel()),
        "perturbed" => LoadedModels.Get(TestModels.Perturbed($"{targetFlavour}-perturbed", targetFolder, PerturbationFor(targetFlavour))),
        "unrelated" => LoadedModels.Get(TestModels.Folder($"unrelated-{target.Info.VocabularySize}", TestModels.Unrelated with { VocabularySize = target.Info.VocabularySize })),
        _ => LoadedModels.Get(KvCacheTests.FolderOf(kind)),
    };

    /// <summary>Noise scales that give partial acceptance for each target (random-weight models differ in how peaked they are).</summary>
    private static float PerturbationFor(string targetFlavour) => targetFlavour switch
    {
        SharedModels.LlamaGqa => 0.1f,
        SharedModels.Gpt2Legacy => 0.5f,
        _ => 0.1f,
    };

    private static int[][] TargetOnly(OnnxCausalLM target, int[][] prompts)
    {
        var generator = new SpeculativeGenerator(target);
        var options = new GenerationOptions { MaxNewTokens = NewTokens, IgnoreEndOfSequence = true };
        return [.. prompts.Select(p => generator.GenerateToListAsync(p, options).GetAwaiter().GetResult().Ids)];
    }

    private static int FirstDifference(int[] expected, int[] actual)
    {
        int common = Math.Min(expected.Length, actual.Length);
        for (int i = 0; i < common; i++)
        {
            if (expected[i] != actual[i])
            {
                return i;
            }
        }

        return expected.Length == actual.Length ? -1 : common;
    }

    private static double TopTwoMargin(OnnxCausalLM target, int[] context)
    {
        using IModelSession session = target.CreateSession(context.Length);
        session.Append(context);
        float[] logits = session.GetLogits(context.Length - 1).ToArray();
        Array.Sort(logits);
        return logits[^1] - logits[^2];
    }
}
