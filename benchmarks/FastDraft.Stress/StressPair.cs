using FastDraft.OnnxRuntime;

namespace FastDraft.Stress;

/// <summary>The kinds of generation the stress runs mix: each a different path through the generator.</summary>
public enum StressKind
{
    /// <summary>Greedy, with the draft model.</summary>
    GreedyDraft,

    /// <summary>Seeded sampling with the draft model (fixed K: seeded sampling does not adapt K).</summary>
    SampledDraft,

    /// <summary>Greedy, with prompt-lookup n-gram drafting.</summary>
    NGram,

    /// <summary>Greedy, target alone.</summary>
    TargetOnly,
}

/// <summary>One request of a stress run and the tokens it must produce.</summary>
public sealed record StressRequest(int Index, StressKind Kind, int[] Prompt, GenerationOptions Options);

/// <summary>
/// A loaded target and draft and one generator per <see cref="StressKind"/>, shared by every
/// concurrent generation of a run (which is the point: one loaded pair serving many requests).
/// </summary>
/// <remarks>Owns both models; disposing the pair disposes them.</remarks>
public sealed class StressPair : IDisposable
{
    private readonly Dictionary<StressKind, SpeculativeGenerator> _generators;

    public StressPair(string targetFolder, string draftFolder)
    {
        Target = OnnxCausalLM.Load(targetFolder);
        try
        {
            Draft = OnnxCausalLM.Load(draftFolder);
        }
        catch
        {
            Target.Dispose();
            throw;
        }

        var drafting = new SpeculativeOptions { DraftTokens = 4 };
        _generators = new()
        {
            [StressKind.GreedyDraft] = new SpeculativeGenerator(Target, Draft, drafting),
            [StressKind.SampledDraft] = new SpeculativeGenerator(Target, Draft, drafting),
            [StressKind.NGram] = new SpeculativeGenerator(Target, new NGramDraftModel(), drafting),
            [StressKind.TargetOnly] = new SpeculativeGenerator(Target),
        };
    }

    public OnnxCausalLM Target { get; }

    public OnnxCausalLM Draft { get; }

    public SpeculativeGenerator For(StressKind kind) => _generators[kind];

    /// <summary>Runs one request to the end and returns its token ids.</summary>
    public async Task<int[]> RunAsync(StressRequest request, CancellationToken cancellationToken = default)
    {
        GenerationResult result = await For(request.Kind).GenerateToListAsync(request.Prompt, request.Options, cancellationToken).ConfigureAwait(false);
        return result.Ids;
    }

    /// <summary>
    /// Builds <paramref name="count"/> requests cycling through the kinds and the prompts; sampled ones get
    /// a seed of their own (a few seeds repeat, so equal requests also run at the same time).
    /// </summary>
    public static List<StressRequest> Requests(int count, IReadOnlyList<int[]> prompts, int maxNewTokens)
    {
        var requests = new List<StressRequest>(count);
        StressKind[] kinds = Enum.GetValues<StressKind>();
        for (int i = 0; i < count; i++)
        {
            StressKind kind = kinds[i % kinds.Length];
            var options = new GenerationOptions { MaxNewTokens = maxNewTokens, IgnoreEndOfSequence = true };
            if (kind == StressKind.SampledDraft)
            {
                options = options with { Temperature = 0.8f, TopK = 40, TopP = 0.95f, Seed = i % 13 };
            }

            requests.Add(new StressRequest(i, kind, prompts[(i / kinds.Length) % prompts.Count], options));
        }

        return requests;
    }

    public void Dispose()
    {
        Draft.Dispose();
        Target.Dispose();
    }
}
