using System.Buffers;
using System.Globalization;
using System.Text;
using FastDraft.Text.Internals.Tokenizers;
using Microsoft.ML.Tokenizers;

namespace FastDraft.Text;

/// <summary>
/// A model's tokenizer, read from its folder: a Hugging Face <c>tokenizer.json</c> (byte-level BPE as in
/// GPT-2, Phi-2, Qwen and Llama 3; SentencePiece-style BPE with ▁ and byte fallback as in Llama 2 and
/// Mistral) or a SentencePiece <c>tokenizer.model</c>, with <c>tokenizer_config.json</c>'s special tokens
/// and chat template. The BPE itself is Microsoft.ML.Tokenizers'; FastDraft translates the
/// configuration into it, splits added tokens out first, and maps unknown characters to byte pieces
/// when the vocabulary falls back to bytes.
/// </summary>
/// <remarks>
/// Immutable and safe to share between threads and generations. Encoding adds the beginning- or
/// end-of-sequence token only when <c>tokenizer_config.json</c> says so (<c>add_bos_token</c>,
/// <c>add_eos_token</c>), and only when asked to add special tokens. Decoding leaves special tokens out.
/// </remarks>
public sealed class ModelTokenizer : ITextTokenizer
{
    private readonly Tokenizer _model;
    private readonly TokenizerDefinition? _definition;
    private readonly AddedTokenMatcher _added;
    private readonly TokenBytes _bytes;
    private readonly int _unknownId;
    private readonly int[]? _byteIds;
    private readonly SearchValues<char>? _known;

    private ModelTokenizer(Tokenizer model, TokenizerDefinition? definition, AddedTokenMatcher added, TokenBytes bytes, int unknownId, int[]? byteIds, TokenizerConfig config, IReadOnlyDictionary<string, int> tokens)
    {
        _model = model;
        _definition = definition;
        _added = added;
        _bytes = bytes;
        _unknownId = unknownId;
        _byteIds = byteIds;

        // With byte fallback, the characters that are tokens themselves never come out of the model as unknown.
        _known = byteIds is null ? null : SearchValues.Create([.. tokens.Keys.Where(t => t.Length == 1 && !char.IsSurrogate(t[0])).Select(t => t[0])]);
        Tokens = tokens;
        VocabularySize = bytes.Count;
        ChatTemplateSource = config.ChatTemplateSource;
        ChatTemplateSpecialTokens = config.SpecialTokens;
        BeginningOfSequenceTokenId = config.BeginningOfSequenceToken is { } bos && tokens.TryGetValue(bos, out int bosId) ? bosId : null;
        EndOfSequenceTokenId = config.EndOfSequenceToken is { } eos && tokens.TryGetValue(eos, out int eosId) ? eosId : null;
        AddsBeginningOfSequence = config.AddBeginningOfSequence && BeginningOfSequenceTokenId is not null;
        AddsEndOfSequence = config.AddEndOfSequence && EndOfSequenceTokenId is not null;
    }

    /// <summary>Gets the number of token ids (the largest id plus one).</summary>
    public int VocabularySize { get; }

    /// <summary>Gets every token's text and id, added tokens included.</summary>
    public IReadOnlyDictionary<string, int> Tokens { get; }

    /// <summary>Gets the beginning-of-sequence id named by <c>tokenizer_config.json</c>, if any.</summary>
    public int? BeginningOfSequenceTokenId { get; }

    /// <summary>Gets the end-of-sequence id named by <c>tokenizer_config.json</c>, if any.</summary>
    public int? EndOfSequenceTokenId { get; }

    /// <summary>Gets a value indicating whether encoding with special tokens starts with the beginning-of-sequence token.</summary>
    public bool AddsBeginningOfSequence { get; }

    /// <summary>Gets a value indicating whether encoding with special tokens ends with the end-of-sequence token.</summary>
    public bool AddsEndOfSequence { get; }

    /// <summary>
    /// Gets the source text of the Jinja chat template (<c>chat_template.jinja</c>, else <c>chat_template</c> in
    /// <c>tokenizer_config.json</c>), if any; <see cref="ChatTemplate.FromTokenizer"/> renders it.
    /// </summary>
    public string? ChatTemplateSource { get; }

    /// <summary>Gets the special tokens <c>tokenizer_config.json</c> names (<c>bos_token</c>, <c>eos_token</c>…), which the chat template sees.</summary>
    internal IReadOnlyDictionary<string, string> ChatTemplateSpecialTokens { get; }

    /// <summary>Loads the tokenizer of a model folder.</summary>
    /// <param name="folder">A folder holding <c>tokenizer.json</c> or <c>tokenizer.model</c> (and optionally <c>tokenizer_config.json</c>).</param>
    /// <returns>The tokenizer.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder has neither tokenizer file.</exception>
    /// <exception cref="InvalidModelException">
    /// A tokenizer file is malformed: not JSON or not UTF-8, a key of the wrong type or missing, a merge of
    /// tokens not in the vocabulary, an empty vocabulary, or a token id that is negative or at least
    /// <c>2 × entries + 1024</c> (entries: the distinct tokens of the files; tables are indexed by id). The
    /// message names the file and the key; <see cref="InvalidModelException.Path"/> is the file.
    /// </exception>
    /// <exception cref="NotSupportedException">
    /// The tokenizer is well formed but uses something FastDraft does not implement: a model other than BPE,
    /// a normalizer or pre-tokenizer type or arrangement it does not translate, a Split regex .NET cannot
    /// compile. The message names it.
    /// </exception>
    /// <exception cref="IOException">A tokenizer file exists but cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">A tokenizer file may not be read.</exception>
    /// <remarks>
    /// A pre-tokenizer's steps (ByteLevel, Split with any of the Hugging Face behaviours and <c>invert</c>,
    /// Metaspace, or a Sequence of them) are applied in order to every piece, and no text is dropped except
    /// what a Split with behaviour <c>Removed</c> removes.
    /// </remarks>
    public static ModelTokenizer Load(string folder) => LoadFolder(folder, cutWhereNoMergeCrosses: true);

    /// <summary>
    /// Loads a tokenizer that does not cut pieces where no merge crosses (see <see cref="SplitPreTokenizer"/>): tests
    /// compare it with <see cref="Load(string)"/> to show that the cut changes no id.
    /// </summary>
    internal static ModelTokenizer LoadUncut(string folder) => LoadFolder(folder, cutWhereNoMergeCrosses: false);

    private static ModelTokenizer LoadFolder(string folder, bool cutWhereNoMergeCrosses)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Tokenizer folder '{folder}' does not exist.");
        }

        TokenizerConfig config = TokenizerConfig.Read(folder);
        string json = Path.Combine(folder, "tokenizer.json");
        string sentencePiece = Path.Combine(folder, "tokenizer.model");
        if (File.Exists(json))
        {
            if (TokenizerDefinition.ReadModelType(json) == "Unigram")
            {
                return FromUnigramJson(json, config);
            }

            return FromDefinition(TokenizerDefinition.Read(json), config, cutWhereNoMergeCrosses);
        }

        return File.Exists(sentencePiece)
            ? FromSentencePiece(sentencePiece, config)
            : throw new FileNotFoundException($"Tokenizer folder '{folder}' holds neither tokenizer.json nor tokenizer.model.", json);
    }

    /// <inheritdoc/>
    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        if (addSpecialTokens && AddsBeginningOfSequence)
        {
            ids.Add(BeginningOfSequenceTokenId!.Value);
        }

        List<Segment> segments = _added.Split(text);
        for (int s = 0; s < segments.Count; s++)
        {
            Segment segment = segments[s];
            if (segment.IsAddedToken)
            {
                ids.Add(segment.AddedTokenId);
            }
            else
            {
                EncodeText(text.Substring(segment.Start, segment.Length), first: segment.Start == 0, ids);
            }
        }

        if (addSpecialTokens && AddsEndOfSequence)
        {
            ids.Add(EndOfSequenceTokenId!.Value);
        }

        return ids;
    }

    /// <inheritdoc/>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var decoder = new TokenStreamDecoder(_bytes);
        var text = new StringBuilder();
        foreach (int id in ids)
        {
            text.Append(decoder.Append(id));
        }

        return text.Append(decoder.Flush()).ToString();
    }

    /// <summary>Gets each token's bytes and which tokens are special (for constraints over the vocabulary).</summary>
    internal TokenBytes Bytes => _bytes;

    /// <inheritdoc/>
    public IStreamingDecoder CreateStreamingDecoder() => new TokenStreamDecoder(_bytes);

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType.IsInstanceOfType(this) ? this
            : serviceType.IsInstanceOfType(_model) ? _model
            : null;
    }

    private void EncodeText(string text, bool first, List<int> ids)
    {
        if (_definition is null)
        {
            ids.AddRange(((SentencePieceTokenizer)_model).EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false));
            return;
        }

        string normalized = Normalize(text, first, _definition);
        if (_known is null || normalized.AsSpan().IndexOfAnyExcept(_known) < 0)
        {
            // Every character is in the vocabulary, so no unknown token needs its offsets: ids alone are cheaper.
            ids.AddRange(_model.EncodeToIds(normalized, considerPreTokenization: true, considerNormalization: false));
            return;
        }

        IReadOnlyList<EncodedToken> tokens = _model.EncodeToTokens(normalized, out _, considerPreTokenization: true, considerNormalization: false);
        for (int i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Id != _unknownId || _byteIds is null)
            {
                ids.Add(tokens[i].Id);
                continue;
            }

            // Byte fallback: a run of unknown characters becomes the pieces of its UTF-8 bytes.
            int start = tokens[i].Offset.Start.Value;
            while (i + 1 < tokens.Count && tokens[i + 1].Id == _unknownId)
            {
                i++;
            }

            foreach (byte b in Encoding.UTF8.GetBytes(normalized[start..tokens[i].Offset.End.Value]))
            {
                ids.Add(_byteIds[b]);
            }
        }
    }

    private static string Normalize(string text, bool first, TokenizerDefinition definition)
    {
        foreach ((NormalizerStep step, string a, string b) in definition.Normalizers)
        {
            text = step switch
            {
                NormalizerStep.Prepend => text.Length == 0 ? text : a + text,
                NormalizerStep.Replace => text.Replace(a, b, StringComparison.Ordinal),
                NormalizerStep.Nfc => text.Normalize(NormalizationForm.FormC),
                NormalizerStep.Nfkc => text.Normalize(NormalizationForm.FormKC),
                _ => text.ToLowerInvariant(),
            };
        }

        if (definition.Metaspace is { } metaspace)
        {
            text = text.Replace(" ", metaspace.Replacement, StringComparison.Ordinal);
            bool prepend = metaspace.PrependScheme == "always" || (metaspace.PrependScheme == "first" && first);
            if (prepend && text.Length > 0 && !text.StartsWith(metaspace.Replacement, StringComparison.Ordinal))
            {
                text = metaspace.Replacement + text;
            }
        }

        if (definition.ByteLevelPrefixSpace && text.Length > 0 && text[0] != ' ')
        {
            text = " " + text;
        }

        return text;
    }

    private static ModelTokenizer FromDefinition(TokenizerDefinition definition, TokenizerConfig config, bool cutWhereNoMergeCrosses)
    {
        var options = new BpeOptions(definition.Vocabulary)
        {
            Merges = definition.Merges,
            UnknownToken = definition.UnknownToken,
            FuseUnknownTokens = false,
            ByteLevel = definition.ByteLevel,
            PreTokenizer = new SplitPreTokenizer(
                definition.PreTokenizeSteps,
                cutWhereNoMergeCrosses
                    ? SplitPreTokenizer.JoinableCharacters(definition.Vocabulary.Select(p => p.Key), definition.ByteLevel, definition.ContinuingSubwordPrefix, definition.EndOfWordSuffix)
                    : null),
            ContinuingSubwordPrefix = definition.ContinuingSubwordPrefix,
            EndOfWordSuffix = definition.EndOfWordSuffix,
        };
        BpeTokenizer model;
        try
        {
            model = BpeTokenizer.Create(options);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            // The definition was checked key by key; this is what Microsoft.ML.Tokenizers still refuses.
            throw new InvalidModelException($"'{definition.Path}' is a BPE model Microsoft.ML.Tokenizers cannot build: {ex.Message}", definition.Path, ex);
        }

        var tokens = new Dictionary<string, int>(definition.Vocabulary);
        foreach (AddedToken added in definition.AddedTokens)
        {
            tokens[added.Content] = added.Id;
        }

        foreach ((string content, int id) in config.AddedTokens)
        {
            tokens.TryAdd(content, id);
        }

        config.CheckIds(tokens.Count);
        string?[] byId = ById(tokens);
        var special = definition.AddedTokens.Where(t => t.Special).Select(t => t.Id).ToHashSet();
        string spaceMarker = definition.Metaspace?.Replacement
            ?? definition.Normalizers.FirstOrDefault(n => n.Step == NormalizerStep.Replace && n.A == " ").B
            ?? "▁";
        TokenBytes bytes = TokenBytes.Create(byId, special, definition.ByteLevel, spaceMarker);

        int[]? byteIds = null;
        if (definition.ByteFallback)
        {
            byteIds = new int[256];
            for (int b = 0; b < 256; b++)
            {
                string piece = string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>");
                byteIds[b] = tokens.TryGetValue(piece, out int id) ? id
                    : throw new InvalidModelException($"'{definition.Path}' asks for byte fallback but has no piece {piece}.", definition.Path);
            }
        }

        int unknownId = definition.UnknownToken is { } unknown && tokens.TryGetValue(unknown, out int unk) ? unk : -1;
        var matcher = new AddedTokenMatcher(definition.AddedTokens.Select(t => (t.Content, t.Id)));
        return new ModelTokenizer(model, definition, matcher, bytes, unknownId, byteIds, config, tokens);
    }

    private static ModelTokenizer FromSentencePiece(string path, TokenizerConfig config)
    {
        SentencePieceTokenizer model;
        using (FileStream stream = File.OpenRead(path))
        {
            try
            {
                model = SentencePieceTokenizer.Create(stream, false, false, config.AddedTokens.Count == 0 ? null : config.AddedTokens);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException or FormatException)
            {
                throw new InvalidModelException($"'{path}' is not a SentencePiece model Microsoft.ML.Tokenizers can read: {ex.Message}", path, ex);
            }
        }

        return FromSentencePieceModel(model, config);
    }

    /// <summary>
    /// A Unigram <c>tokenizer.json</c> (T5, ALBERT, XLNet, many multilingual models), read by Microsoft.ML.Tokenizers 3.0's
    /// own reader: the Viterbi segmentation over the pieces' scores, byte fallback and the precompiled normalizer are its
    /// code, not a translation of ours, so a piece of the format we do not model is not silently misread.
    /// </summary>
    private static ModelTokenizer FromUnigramJson(string path, TokenizerConfig config)
    {
        SentencePieceTokenizer model;
        using (FileStream stream = File.OpenRead(path))
        {
            try
            {
                model = SentencePieceTokenizer.CreateFromTokenizerJson(stream, false, false, config.AddedTokens.Count == 0 ? null : config.AddedTokens);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException or FormatException or System.Text.Json.JsonException or KeyNotFoundException or InvalidDataException)
            {
                throw new InvalidModelException($"'{path}' is not a Unigram tokenizer.json Microsoft.ML.Tokenizers can read: {ex.Message}", path, ex);
            }
            catch (NotSupportedException ex)
            {
                throw new NotSupportedException($"'{path}': {ex.Message}", ex);
            }
        }

        return FromSentencePieceModel(model, config);
    }

    private static ModelTokenizer FromSentencePieceModel(SentencePieceTokenizer model, TokenizerConfig config)
    {
        var tokens = new Dictionary<string, int>(model.Vocabulary);
        foreach ((string content, int id) in config.AddedTokens)
        {
            tokens.TryAdd(content, id);
        }

        config.CheckIds(tokens.Count);
        string?[] byId = ById(tokens);

        var special = new HashSet<int>(config.AddedTokens.Values) { model.BeginningOfSentenceId, model.EndOfSentenceId, model.UnknownId };
        if (model.SpecialTokens is { } modelSpecial)
        {
            special.UnionWith(modelSpecial.Values); // a Unigram tokenizer.json's own added tokens marked special
        }
        TokenBytes bytes = TokenBytes.Create(byId, special, byteLevel: false, "▁");
        var matcher = new AddedTokenMatcher(config.AddedTokens.Select(p => (p.Key, p.Value)));
        return new ModelTokenizer(model, null, matcher, bytes, model.UnknownId, null, config, tokens);
    }

    /// <summary>Token strings by id; ids were bounded by <see cref="TokenIds"/>, so the table stays small.</summary>
    private static string?[] ById(Dictionary<string, int> tokens)
    {
        string?[] byId = new string?[tokens.Values.DefaultIfEmpty(-1).Max() + 1];
        foreach ((string content, int id) in tokens)
        {
            byId[id] = content;
        }

        return byId;
    }
}
