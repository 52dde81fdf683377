using FastDraft.OnnxRuntime;
using FastDraft.Text;

namespace FastDraft.Tool;

/// <summary>A loaded target, its proposer (a draft model, n-gram lookup, or none) and the generator over them; disposes the models.</summary>
internal sealed class GenerationPair : IDisposable
{
    private readonly OnnxCausalLM _target;
    private readonly OnnxCausalLM? _draft;

    private GenerationPair(OnnxCausalLM target, OnnxCausalLM? draft, SpeculativeGenerator generator, ModelTokenizer? tokenizer)
    {
        _target = target;
        _draft = draft;
        Generator = generator;
        Tokenizer = tokenizer;
    }

    public SpeculativeGenerator Generator { get; }

    /// <summary>Gets the target folder's tokenizer, when it was asked for.</summary>
    public ModelTokenizer? Tokenizer { get; }

    /// <summary>Loads a pair; a draft whose tokenizer disagrees with the target's is refused unless <paramref name="allowTokenizerMismatch"/>.</summary>
    public static GenerationPair Load(string target, string? draft, int? ngram, int draftTokens, OnnxModelOptions options, bool withTokenizer, bool allowTokenizerMismatch = false)
    {
        if (draft is not null && !allowTokenizerMismatch)
        {
            CheckTokenizers(target, draft);
        }

        // The tokenizer first: a folder without one is refused before any model is loaded.
        ModelTokenizer? tokenizer = withTokenizer ? ModelTokenizer.Load(target) : null;
        OnnxCausalLM targetModel = OnnxCausalLM.Load(target, options);
        OnnxCausalLM? draftModel = null;
        try
        {
            draftModel = draft is null ? null : OnnxCausalLM.Load(draft, options);
            IDraftModel? proposer = draftModel is not null ? draftModel : ngram is int n ? new NGramDraftModel(n) : null;
            var generator = new SpeculativeGenerator(targetModel, proposer, new SpeculativeOptions { DraftTokens = draftTokens }, tokenizer);
            return new GenerationPair(targetModel, draftModel, generator, tokenizer);
        }
        catch
        {
            draftModel?.Dispose();
            targetModel.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Refuses a draft whose <c>tokenizer.json</c> disagrees with the target's (<see cref="TokenizerCompatibility"/>); a
    /// model given as an .onnx file is compared through its folder.
    /// </summary>
    public static void CheckTokenizers(string target, string draft) =>
        TokenizerCompatibility.Check(FolderOf(target), FolderOf(draft));

    private static string FolderOf(string path) => File.Exists(path) ? Path.GetDirectoryName(Path.GetFullPath(path))! : path;

    public void Dispose()
    {
        _draft?.Dispose();
        _target.Dispose();
    }
}
