using System.Text.Json;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Text;

namespace FastDraft.Tests.Sampling;

/// <summary>
/// Speculative sampling with a trimmed-head draft on a real vocabulary (the README's real-vocabulary pair: GPT-2's
/// 50,257-token BPE, a draft whose head keeps a quarter of the ids): the first three tokens follow the target's processed
/// distribution (the chi-square test of <see cref="SpeculativeSamplingTests"/>), and the residual supplies ids the draft
/// cannot propose. The pair is trained by the README's commands and kept out of git, so the test runs only when
/// <c>FASTDRAFT_REAL_PAIR</c> names the folder holding its <c>target</c> and <c>draft-default</c>.
/// </summary>
public sealed class RealPairSamplingTests
{
    private const int Samples = 20_000;
    private const double Alpha = SamplingModels.Alpha;

    private const string Code = "import os\n\n\ndef read_lines(path):\n    with open(path) as handle:\n        return [line.rstrip() for line in handle]\n\n\ndef main(";

    [Theory]
    [InlineData("t1")]
    [InlineData("t0.7-k8")]
    public void FirstThreeTokens_TrimmedDraftOnARealVocabulary_FollowTheTargetsDistribution(string configuration)
    {
        string? root = Environment.GetEnvironmentVariable("FASTDRAFT_REAL_PAIR");
        Assert.SkipWhen(
            root is null || !File.Exists(Path.Combine(root, "target", "model.onnx")) || !File.Exists(Path.Combine(root, "draft-default", "draft_vocabulary.json")),
            "FASTDRAFT_REAL_PAIR does not name a folder holding the README's real-vocabulary pair (target/ and a trimmed draft-default/).");
        string targetFolder = Path.Combine(root!, "target");
        string draftFolder = Path.Combine(root!, "draft-default");
        OnnxCausalLM target = LoadedModels.Get(targetFolder);
        OnnxCausalLM draft = LoadedModels.Get(draftFolder);
        HashSet<int> kept = KeptIds(draftFolder);
        Assert.True(kept.Count < target.Info.VocabularySize / 2, $"the draft keeps {kept.Count} of {target.Info.VocabularySize} ids: not a trimmed head");

        int[] prompt = [.. ModelTokenizer.Load(targetFolder).Encode(Code)];
        GenerationOptions options = ProcessorTests.Options(configuration) with { MaxNewTokens = 6, IgnoreEndOfSequence = true };
        var generator = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 4 });
        (GeneratedToken[][] samples, SpeculativeSamplingTests.Outcome outcome) = SpeculativeSamplingTests.SampleDraftModel(
            $"{configuration}, real vocabulary, trimmed draft", generator, target, options, prompt, Samples);

        Assert.All(outcome.PValues, p => Assert.True(p > Alpha, outcome.ToString()));
        Assert.InRange(outcome.SecondTokenAccepted, 0.05, 0.99); // the acceptance and the residual path both exercised
        Assert.All(samples, s => Assert.True(s[1].Source != TokenSource.Draft || kept.Contains(s[1].Id), $"drafted id {s[1].Id} is outside the kept set"));
        Assert.Contains(samples, s => s[1].Source != TokenSource.Draft && !kept.Contains(s[1].Id)); // the residual supplied ids the draft cannot propose
    }

    private static HashSet<int> KeptIds(string draftFolder)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(draftFolder, "draft_vocabulary.json")));
        return [.. document.RootElement.GetProperty("kept_token_ids").EnumerateArray().Select(e => e.GetInt32())];
    }
}
