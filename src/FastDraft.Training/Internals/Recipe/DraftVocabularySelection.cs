using System.Text.Json;
using FastDraft.Text;

namespace FastDraft.Training;

/// <summary>
/// Chooses the ids a trimmed draft head scores (FR-Spec's frequency-ranked vocabulary): the M ids the target emits most
/// often in its own continuations (the alignment data), ties broken by their count in the training corpus and then by
/// the lower id, plus every special token (end and beginning of sequence, padding, the tokenizer's added special tokens).
/// </summary>
/// <remarks>
/// The ranking counts the continuation tokens only, not the prompts cut from the corpus: what the draft must predict is
/// what the target writes. The selection is a pure function of the sealed alignment data, the corpus and the tokenizer,
/// all of which the run's fingerprint fixes, so every stage of a work folder (and a resumed one) gets the same ids.
/// </remarks>
internal static class DraftVocabularySelection
{
    /// <summary>The file beside an exported trimmed draft that lists the ids its head scores.</summary>
    public const string FileName = "draft_vocabulary.json";

    /// <summary>Returns the kept ids, strictly increasing: the <paramref name="size"/> most frequent plus the special ids.</summary>
    public static int[] Select(int vocabulary, int size, IEnumerable<AlignmentSequence> data, TokenCorpus corpus, IEnumerable<int> specialIds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var generated = new long[vocabulary];
        foreach (AlignmentSequence sequence in data)
        {
            for (int i = sequence.PromptLength; i < sequence.Tokens.Length; i++)
            {
                generated[sequence.Tokens[i]]++;
            }
        }

        var written = new long[vocabulary];
        for (int i = 0; i < corpus.TokenCount; i++)
        {
            int id = corpus[i];
            if ((uint)id < (uint)vocabulary)
            {
                written[id]++;
            }
        }

        int[] ranked = [.. Enumerable.Range(0, vocabulary).OrderByDescending(id => generated[id]).ThenByDescending(id => written[id]).ThenBy(id => id)];
        var kept = new SortedSet<int>(ranked.Take(Math.Min(size, vocabulary)));
        kept.UnionWith(specialIds.Where(id => (uint)id < (uint)vocabulary));
        return [.. kept];
    }

    /// <summary>The special ids of a target: its end-of-sequence ids, beginning-of-sequence and padding ids, and the tokenizer's special tokens.</summary>
    public static IEnumerable<int> SpecialIds(ModelInfo target, ModelTokenizer tokenizer)
    {
        foreach (int id in target.EndOfSequenceTokenIds)
        {
            yield return id;
        }

        if (target.BeginningOfSequenceTokenId is int bos)
        {
            yield return bos;
        }

        if (target.PaddingTokenId is int pad)
        {
            yield return pad;
        }

        if (tokenizer.EndOfSequenceTokenId is int eos)
        {
            yield return eos;
        }

        for (int id = 0; id < tokenizer.Bytes.Count; id++)
        {
            if (tokenizer.Bytes.IsSpecial(id))
            {
                yield return id;
            }
        }
    }

    /// <summary>Writes <see cref="FileName"/> into a model folder: the vocabulary size and the kept ids.</summary>
    public static void Write(string folder, int vocabulary, IReadOnlyList<int> kept)
    {
        using var stream = File.Create(Path.Combine(folder, FileName));
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        json.WriteStartObject();
        json.WriteNumber("vocabulary_size", vocabulary);
        json.WriteNumber("head_width", kept.Count);
        json.WriteStartArray("kept_token_ids");
        foreach (int id in kept)
        {
            json.WriteNumberValue(id);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
