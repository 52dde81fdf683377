using System.Diagnostics;

namespace FastDraft.Evaluation;

/// <summary>Times passes of a model after a cache, optionally each followed by single-token steps of a draft.</summary>
public static class StepTimer
{
    private const int WarmUp = 3;
    private const int Repeats = 12;

    /// <summary>
    /// Repeats a pass of <paramref name="tokens"/> tokens through <paramref name="model"/> after
    /// <paramref name="context"/> cached tokens, each followed by <paramref name="draftSteps"/> single-token
    /// steps of <paramref name="draft"/> (both rolled back after each cycle); returns the mean times.
    /// </summary>
    /// <param name="model">The model whose pass is timed.</param>
    /// <param name="draft">The draft stepped after each pass, or <see langword="null"/>.</param>
    /// <param name="context">Cached tokens before the pass (capped so that the cycle fits both models).</param>
    /// <param name="tokens">Tokens per pass, at least 1.</param>
    /// <param name="draftSteps">Draft steps after each pass (0 without a draft).</param>
    /// <param name="cancellationToken">Cancels between cycles.</param>
    /// <returns>The mean pass time and the mean draft step time.</returns>
    public static CycleTime Cycle(ITargetModel model, ITargetModel? draft, int context, int tokens, int draftSteps, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(tokens, 1);
        if (draftSteps > 0 && draft is null)
        {
            throw new ArgumentException("Draft steps need a draft.", nameof(draft));
        }

        int limit = Math.Min(model.Info.ContextLength - tokens, draft is null ? int.MaxValue : draft.Info.ContextLength - draftSteps);
        int length = Math.Max(1, Math.Min(context, limit));
        int vocabulary = Math.Min(model.Info.VocabularySize, draft?.Info.VocabularySize ?? int.MaxValue);
        int[] filler = [.. Enumerable.Range(0, length).Select(i => (3 + (i % 50)) % vocabulary)];
        int[] block = [.. Enumerable.Range(0, tokens).Select(i => (5 + i) % vocabulary)];
        using IModelSession session = model.CreateSession(length + tokens);
        using IModelSession? draftSession = draft?.CreateSession(length + Math.Max(1, draftSteps));
        session.Append(filler, cancellationToken);
        draftSession?.Append(filler, cancellationToken);
        long targetTicks = 0, draftTicks = 0;
        for (int i = 0; i < WarmUp + Repeats; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long started = Stopwatch.GetTimestamp();
            session.Append(block, cancellationToken);
            long passed = Stopwatch.GetTimestamp();
            session.Truncate(length);
            for (int j = 0; j < draftSteps; j++)
            {
                draftSession!.Append(block.AsSpan(0, 1), cancellationToken);
            }

            long drafted = Stopwatch.GetTimestamp();
            draftSession?.Truncate(length);
            if (i >= WarmUp)
            {
                targetTicks += passed - started;
                draftTicks += drafted - passed;
            }
        }

        double Milliseconds(long ticks, int count) => count == 0 ? 0 : ticks * 1000.0 / Stopwatch.Frequency / count;
        return new CycleTime(Milliseconds(targetTicks, Repeats), Milliseconds(draftTicks, Repeats * draftSteps));
    }
}
