using System.Diagnostics.CodeAnalysis;

namespace FastDraft;

/// <summary>Conveniences over <see cref="SpeculativeGenerator"/>.</summary>
public static class SpeculativeGeneratorExtensions
{
    /// <summary>Runs a generation to its end and collects its tokens and statistics.</summary>
    /// <param name="generator">The generator.</param>
    /// <param name="promptIds">The prompt's token ids.</param>
    /// <param name="options">Per-request options; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the generation.</param>
    /// <returns>The tokens and statistics.</returns>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads differ in their first parameter (text or token ids) and share one optional tail, as IChatClient's do: no call binds to both.")]
    public static async Task<GenerationResult> GenerateToListAsync(
        this SpeculativeGenerator generator,
        ReadOnlyMemory<int> promptIds,
        GenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var stats = new GenerationStats();
        return await CollectAsync(generator.GenerateAsync(promptIds, options, stats, cancellationToken), stats).ConfigureAwait(false);
    }

    /// <summary>Runs a generation from text to its end and collects its tokens (with their text) and statistics.</summary>
    /// <param name="generator">The generator; it must have a tokenizer.</param>
    /// <param name="prompt">The prompt text.</param>
    /// <param name="options">Per-request options; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the generation.</param>
    /// <returns>The tokens and statistics; <see cref="GenerationResult.Text"/> is the generated text.</returns>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The overloads differ in their first parameter (text or token ids) and share one optional tail, as IChatClient's do: no call binds to both.")]
    public static async Task<GenerationResult> GenerateToListAsync(
        this SpeculativeGenerator generator,
        string prompt,
        GenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var stats = new GenerationStats();
        return await CollectAsync(generator.GenerateAsync(prompt, options, stats, cancellationToken), stats).ConfigureAwait(false);
    }

    private static async Task<GenerationResult> CollectAsync(IAsyncEnumerable<GeneratedToken> generation, GenerationStats stats)
    {
        var tokens = new List<GeneratedToken>(); // grows as tokens arrive: MaxNewTokens is a bound, not a size
        await foreach (GeneratedToken token in generation.ConfigureAwait(false))
        {
            tokens.Add(token);
        }

        return new GenerationResult(tokens, stats);
    }

    /// <summary>Wraps a language model so that it proposes drafts for another.</summary>
    /// <param name="model">The draft language model.</param>
    /// <returns>A draft over <paramref name="model"/>; the model stays owned by the caller.</returns>
    public static IDraftModel AsDraft(this ITargetModel model) => model as IDraftModel ?? new LanguageModelDraft(model);
}
