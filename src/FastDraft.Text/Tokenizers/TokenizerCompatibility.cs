using FastDraft.Text.Internals.Tokenizers;

namespace FastDraft.Text;

/// <summary>
/// Checks that a draft's tokenizer agrees with its target's before they are paired: a draft whose ids mean other
/// tokens would still decode exactly (verification sees to that) but would be rejected nearly always, a silent loss of
/// all the speed-up. Widths may differ (a family pads its vocabularies to different sizes, as Qwen2.5-0.5B's 151,936
/// and Qwen2.5-7B's 152,064 logits do); the tokens must agree on the ids both have.
/// </summary>
/// <remarks>
/// <para>
/// Compared, when both folders hold a <c>tokenizer.json</c>: the token of every id both tokenizers have (vocabulary and
/// added tokens), which added tokens are special, the merges both have (the shorter list must begin the longer), the
/// model's other settings (type, unknown token, byte fallback, ...), the normalizer and the pre-tokenizer, the last
/// three as JSON values (key order and number spelling do not count). Ids and merges beyond the shorter tokenizer's are
/// not a difference: that is the padded (or truncated) vocabulary. A folder without <c>tokenizer.json</c> (a
/// SentencePiece <c>tokenizer.model</c> only, or no tokenizer) is not compared.
/// </para>
/// <para>
/// The check is the caller's to make: <see cref="SpeculativeGenerator"/> takes models, not folders. The <c>fastdraft</c>
/// tool and the demo make it whenever they pair a draft folder with a target folder; a caller who knows better (the same
/// ids under other spellings, a draft trained on re-mapped ids) overrides it with <c>--allow-tokenizer-mismatch</c>
/// there, and in code by not calling <see cref="Check"/> (or by reading <see cref="FindMismatch"/> and going on).
/// </para>
/// </remarks>
public static class TokenizerCompatibility
{
    private const string FileName = "tokenizer.json";

    /// <summary>Finds the first difference between the tokenizers of a target folder and a draft folder.</summary>
    /// <param name="targetFolder">The target model's folder.</param>
    /// <param name="draftFolder">The draft model's folder.</param>
    /// <returns>
    /// The first difference, described (the first differing id and both its tokens, when the vocabularies differ), or
    /// <see langword="null"/> when the tokenizers agree or either folder holds no <c>tokenizer.json</c>.
    /// </returns>
    /// <exception cref="ArgumentException">A folder is null or blank.</exception>
    /// <exception cref="InvalidModelException">A <c>tokenizer.json</c> is malformed (the message names the file and key).</exception>
    public static string? FindMismatch(string targetFolder, string draftFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(targetFolder);
        ArgumentException.ThrowIfNullOrWhiteSpace(draftFolder);
        string target = Path.Combine(targetFolder, FileName);
        string draft = Path.Combine(draftFolder, FileName);
        return File.Exists(target) && File.Exists(draft) ? TokenizerComparison.FirstDifference(target, draft) : null;
    }

    /// <summary>Refuses a draft folder whose tokenizer disagrees with the target folder's (see the remarks for what is compared).</summary>
    /// <param name="targetFolder">The target model's folder.</param>
    /// <param name="draftFolder">The draft model's folder.</param>
    /// <exception cref="ArgumentException">
    /// The tokenizers disagree: the message names the first difference (the first differing id and both its tokens, when the
    /// vocabularies differ) and the override. Also thrown when a folder is null or blank.
    /// </exception>
    /// <exception cref="InvalidModelException">A <c>tokenizer.json</c> is malformed.</exception>
    /// <example>
    /// <code>
    /// TokenizerCompatibility.Check(targetFolder, draftFolder); // before loading the pair
    /// using OnnxCausalLM target = OnnxCausalLM.Load(targetFolder);
    /// using OnnxCausalLM draft = OnnxCausalLM.Load(draftFolder);
    /// var generator = new SpeculativeGenerator(target, draft);
    /// </code>
    /// </example>
    public static void Check(string targetFolder, string draftFolder)
    {
        if (FindMismatch(targetFolder, draftFolder) is { } difference)
        {
            throw new ArgumentException(
                $"The draft's tokenizer ('{Path.Combine(draftFolder, FileName)}') does not agree with the target's ('{Path.Combine(targetFolder, FileName)}'): {difference}. " +
                "A draft must give the ids both models have the same tokens (its vocabulary may be wider or narrower). " +
                "If you know the pair is right, skip this check (the fastdraft tool: --allow-tokenizer-mismatch).",
                nameof(draftFolder));
        }
    }
}
