namespace FastDraft;

/// <summary>One emitted token.</summary>
/// <param name="Id">The token id.</param>
/// <param name="Source">How the token was reached.</param>
/// <param name="Index">The token's position among the generated tokens, from 0.</param>
/// <param name="Text">
/// The text released with this token when the generator has a tokenizer, else <see langword="null"/>.
/// It may be empty (a character still incomplete, or text that could begin a stop sequence is held
/// back) or include text held back earlier; concatenated, the pieces are the generated text.
/// </param>
public readonly record struct GeneratedToken(int Id, TokenSource Source, int Index, string? Text = null);
