using System.Globalization;
using FastDraft.OnnxRuntime.Internals.Graph;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FastDraft.OnnxRuntime.Internals.Sessions;

/// <summary>
/// Checks at load that the key/value cache round-trips: the last logits of a few tokens run in two
/// passes, the second over the cache the first left, must equal those of one pass without a cache.
/// </summary>
/// <remarks>
/// The names of the cache inputs and outputs come from the configuration, and a configuration whose
/// <c>present_key_names</c> and <c>present_value_names</c> are swapped binds shapes that fit: without
/// this check such a model loads and every generation is silently wrong. The tolerance allows for
/// the different summation order of a cached pass (fp32) and for half-precision caches (fp16/bf16).
/// </remarks>
internal static class CacheRoundTrip
{
    private const int Tokens = 4;
    private const int FirstPass = 2;

    /// <summary>
    /// Gets the largest difference allowed, as a fraction of the largest logit (at least 1): well between
    /// what a correct cache and one with swapped key/value names give (the README's "Supported models"
    /// has the measurements).
    /// </summary>
    public static float Tolerance(DecoderLayout layout) =>
        layout.LogitsType == TensorElementType.BFloat16 || layout.KvType == TensorElementType.BFloat16 ? 2e-2f
        : layout.LogitsType == TensorElementType.Float16 || layout.KvType == TensorElementType.Float16 ? 1e-2f
        : 1e-3f;

    /// <summary>Runs the check on sessions from <paramref name="open"/> (of a given capacity, with the capabilities the model will have).</summary>
    /// <exception cref="InvalidModelException">The cached and uncached logits differ, naming the cache inputs and outputs paired.</exception>
    public static void Verify(DecoderLayout layout, int contextLength, Func<int, OnnxModelSession> open, string? configPath)
    {
        if (contextLength < Tokens)
        {
            return; // too short to test; such a context cannot be generated with anyway
        }

        // Distinct ids spread over the vocabulary: a cache that returns the wrong entries cannot hide behind repeats.
        var tokens = new int[Tokens];
        for (int i = 0; i < Tokens; i++)
        {
            tokens[i] = (int)((1 + (i * 7919L)) % layout.VocabularySize);
        }

        string? failure;
        float[] whole = [];
        float[] cached = [];
        try
        {
            using (OnnxModelSession session = open(Tokens))
            {
                session.Append(tokens);
                whole = session.GetLogits(Tokens - 1).ToArray();
            }

            using (OnnxModelSession session = open(Tokens))
            {
                session.Append(tokens.AsSpan(0, FirstPass));
                session.Append(tokens.AsSpan(FirstPass));
                cached = session.GetLogits(Tokens - FirstPass - 1).ToArray();
            }

            failure = Compare(whole, cached, Tolerance(layout));
        }
        catch (InvalidOperationException ex)
        {
            failure = $"a test pass failed ({(ex.InnerException?.Message ?? ex.Message).Split('\n', 2)[0].Trim()})";
        }

        if (failure is null)
        {
            return;
        }

        string pairs = string.Join(", ", layout.Kv.Take(layout.KvFormat == KvFormat.Packed ? 1 : 2).Select(kv => $"input '{kv.Past}' fed from output '{kv.Present}'"));
        string names = layout.KvFormat == KvFormat.Packed ? "past_names / present_names" : "past_key_names / past_value_names / present_key_names / present_value_names";
        throw new InvalidModelException(
            $"Model '{layout.ModelPath}': its key/value cache does not round-trip: the logits of token {Tokens} after {FirstPass} cached differ from those of one pass over all {Tokens} tokens: {failure}. " +
            $"The cache is bound as {pairs}{(layout.Layers switch { 1 => string.Empty, 2 => ", and likewise for layer 1", _ => $", and likewise for layers 1 to {layout.Layers - 1}" })}; " +
            $"check the names in {(configPath is null ? "the graph" : $"'{configPath}' ({names})")}.",
            configPath ?? layout.ModelPath);
    }

    private static string? Compare(float[] expected, float[] actual, float tolerance)
    {
        float scale = 1;
        foreach (float value in expected)
        {
            if (float.IsFinite(value))
            {
                scale = Math.Max(scale, Math.Abs(value));
            }
        }

        float allowed = tolerance * scale;
        float worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i];
            float a = actual[i];
            if (e == a || (float.IsNaN(e) && float.IsNaN(a)))
            {
                continue;
            }

            float difference = float.IsFinite(e) && float.IsFinite(a) ? Math.Abs(e - a) : float.PositiveInfinity;
            if (!(difference <= worst))
            {
                worst = difference;
                at = i;
            }
        }

        return worst <= allowed
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"the largest difference is {worst:G4} at token id {at} ({expected[at]:G6} without a cache, {actual[at]:G6} with one), more than the {allowed:G3} allowed");
    }
}
