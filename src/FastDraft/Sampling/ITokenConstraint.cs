namespace FastDraft;

/// <summary>
/// A constraint on the generated tokens, such as a grammar: which tokens may come next, and where
/// exactly one may, which tokens are forced. Set through <see cref="GenerationOptions.Constraint"/>.
/// </summary>
/// <remarks>
/// The constraint masks the target's and the draft's logits identically (after the logits
/// processors), so speculative decoding stays exact; tokens it forces are appended as free drafts
/// (no draft pass) and still verified by the target's pass. Implementations are immutable and
/// thread-safe; each generation creates its own <see cref="ITokenMatcher"/>.
/// </remarks>
public interface ITokenConstraint
{
    /// <summary>Creates the matcher of one generation.</summary>
    /// <returns>A new matcher, used by one generation on one thread at a time.</returns>
    ITokenMatcher CreateMatcher();
}
