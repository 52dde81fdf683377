using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FastDraft.ModelWriter;

namespace FastDraft.Training;

/// <summary>
/// What makes a recipe run's files what they are: the target's files, the corpus, the seed, the split, the draft's
/// shape, the sequence length and the alignment data's options. A work folder records it (<c>run.json</c>, each
/// finished-stage file, the sealed alignment data), and a run with other inputs is refused before it does any work,
/// naming what differs.
/// </summary>
/// <remarks>
/// Content, not paths or times, is compared: a target or corpus copied elsewhere is the same run, one edited is not.
/// Options that do not change what the files hold (the budget, the stages, the measurement) are left out.
/// </remarks>
internal sealed record RunFingerprint
{
    /// <summary>Files above this size are hashed by sampling (size, head, tail and evenly spaced blocks), so a multi-gigabyte target costs milliseconds.</summary>
    internal const long SampledAbove = 64L << 20;

    private const int SampleBlock = 64 << 10;
    private const int Samples = 32;

    /// <summary>Gets the hash of the target's model files (ONNX graphs, weights, genai_config.json).</summary>
    public required string TargetModel { get; init; }

    /// <summary>Gets the hash of the target's tokenizer files.</summary>
    public required string Tokenizer { get; init; }

    /// <summary>Gets the target's vocabulary size (genai_config.json), 0 when it cannot be read before loading.</summary>
    public required int Vocabulary { get; init; }

    /// <summary>Gets the hash of the corpus: the files it names (with <c>--include</c> for a folder), by relative name and content.</summary>
    public required string Corpus { get; init; }

    /// <summary>Gets the seed.</summary>
    public required ulong Seed { get; init; }

    /// <summary>Gets the held-out share of files.</summary>
    public required double HeldOutFraction { get; init; }

    /// <summary>Gets the draft's shape as text.</summary>
    public required string Shape { get; init; }

    /// <summary>Gets the training sequence length.</summary>
    public required int SequenceLength { get; init; }

    /// <summary>Gets the fixed steps per stage (<c>--steps</c>), or 0 for a time-budgeted run.</summary>
    public int StageSteps { get; init; }

    /// <summary>Gets the draft head's size M (<see cref="DraftRecipeOptions.DraftVocabulary"/> resolved for the target's vocabulary), or 0 for the full head.</summary>
    public int DraftVocabulary { get; init; }

    /// <summary>Gets a value indicating whether the draft's embedding starts from the target's (<c>--init-embedding-from-target</c>).</summary>
    public bool EmbeddingFromTarget { get; init; }

    /// <summary>Gets the alignment data's options as text (budget and sequence count left out: they only say when generation stops).</summary>
    public required string AlignmentData { get; init; }

    /// <summary>Gets the 16 bytes the stage files and the sealed alignment data record.</summary>
    public byte[] Hash => SHA256.HashData(Encoding.UTF8.GetBytes(Canonical()))[..16];

    /// <summary>Computes the fingerprint of a run's options; reads the target's files and the corpus (no model is loaded).</summary>
    public static RunFingerprint Compute(DraftRecipeOptions options)
    {
        (string model, string tokenizer) = HashTarget(options.Target);
        DecoderSpec shape = options.ShapeInForce;
        return new RunFingerprint
        {
            TargetModel = model,
            Tokenizer = tokenizer,
            Vocabulary = ReadVocabulary(options.Target),
            Corpus = HashCorpus(options.Corpus, options.IncludePattern),
            Seed = options.Seed,
            HeldOutFraction = options.HeldOutFraction,
            Shape = string.Create(CultureInfo.InvariantCulture, $"layers {shape.Layers}, hidden {shape.HiddenSize}, heads {shape.Heads}, kv-heads {shape.KeyValueHeads}, intermediate {shape.IntermediateSize}"),
            SequenceLength = options.SequenceLength ?? 0, // 0: the target's context, which the target's hash fixes
            StageSteps = options.StageSteps ?? 0,
            DraftVocabulary = options.HeadSizeFor(ReadVocabulary(options.Target)),
            AlignmentData = AlignmentDataText(options.AlignmentData),
            EmbeddingFromTarget = options.InitializeEmbeddingFromTarget,
        };
    }

    /// <summary>Lists what differs from a recorded fingerprint, each as the option (or input) and both values; empty when the runs match.</summary>
    public List<string> Differences(RunFingerprint recorded)
    {
        var differences = new List<string>();
        void Compare<T>(T was, T now, string what, bool showValues = true)
        {
            if (!EqualityComparer<T>.Default.Equals(was, now))
            {
                differences.Add(showValues ? $"{what} ({Changed(string.Create(CultureInfo.InvariantCulture, $"{was}"), string.Create(CultureInfo.InvariantCulture, $"{now}"))})" : what);
            }
        }

        Compare(recorded.TargetModel, TargetModel, "the target's model files (--target)", showValues: false);
        Compare(recorded.Tokenizer, Tokenizer, "the target's tokenizer files (--target)", showValues: false);
        Compare(recorded.Vocabulary, Vocabulary, "the vocabulary");
        Compare(recorded.Corpus, Corpus, "the corpus files (--corpus, --include)", showValues: false);
        Compare(recorded.Seed, Seed, "--seed");
        Compare(recorded.HeldOutFraction, HeldOutFraction, "the held-out fraction");
        Compare(recorded.Shape, Shape, "the draft shape (--layers, --hidden, --heads, --kv-heads, --intermediate)");
        Compare(recorded.SequenceLength, SequenceLength, "--sequence-length");
        Compare(recorded.StageSteps, StageSteps, "--steps (0: --minutes)");
        Compare(recorded.DraftVocabulary, DraftVocabulary, "--draft-vocabulary (0: the full head)");
        Compare(recorded.EmbeddingFromTarget, EmbeddingFromTarget, "--init-embedding-from-target");
        Compare(recorded.AlignmentData, AlignmentData, "the alignment data options (--teacher-top-k, --data-batch-size)");
        return differences;
    }

    /// <summary>Writes the fields into a JSON object being written.</summary>
    public void WriteTo(Utf8JsonWriter json)
    {
        json.WriteString("fingerprint", Convert.ToHexStringLower(Hash));
        json.WriteString("target_model", TargetModel);
        json.WriteString("tokenizer", Tokenizer);
        json.WriteNumber("vocabulary", Vocabulary);
        json.WriteString("corpus", Corpus);
        json.WriteNumber("seed", Seed);
        json.WriteNumber("held_out_fraction", HeldOutFraction);
        json.WriteString("shape", Shape);
        json.WriteNumber("sequence_length", SequenceLength);
        json.WriteNumber("stage_steps", StageSteps);
        json.WriteNumber("draft_vocabulary", DraftVocabulary);
        json.WriteString("alignment_data", AlignmentData);
        json.WriteBoolean("embedding_from_target", EmbeddingFromTarget);
    }

    /// <summary>Reads the fields <see cref="WriteTo"/> wrote.</summary>
    /// <exception cref="KeyNotFoundException">A field is missing.</exception>
    /// <exception cref="InvalidOperationException">A field has the wrong JSON type.</exception>
    /// <exception cref="FormatException">A number is out of range.</exception>
    public static RunFingerprint ReadFrom(JsonElement json) => new()
    {
        TargetModel = json.GetProperty("target_model").GetString()!,
        Tokenizer = json.GetProperty("tokenizer").GetString()!,
        Vocabulary = json.GetProperty("vocabulary").GetInt32(),
        Corpus = json.GetProperty("corpus").GetString()!,
        Seed = json.GetProperty("seed").GetUInt64(),
        HeldOutFraction = json.GetProperty("held_out_fraction").GetDouble(),
        Shape = json.GetProperty("shape").GetString()!,
        SequenceLength = json.GetProperty("sequence_length").GetInt32(),
        StageSteps = json.TryGetProperty("stage_steps", out JsonElement steps) ? steps.GetInt32() : 0,
        DraftVocabulary = json.TryGetProperty("draft_vocabulary", out JsonElement head) ? head.GetInt32() : 0, // recorded before trimming: the full head
        AlignmentData = json.GetProperty("alignment_data").GetString()!,
        EmbeddingFromTarget = json.TryGetProperty("embedding_from_target", out JsonElement embedding) && embedding.GetBoolean(),
    };

    private string Canonical() => string.Create(
        CultureInfo.InvariantCulture,
        $"target_model={TargetModel}\ntokenizer={Tokenizer}\nvocabulary={Vocabulary}\ncorpus={Corpus}\nseed={Seed}\nheld_out_fraction={HeldOutFraction:R}\nshape={Shape}\nsequence_length={SequenceLength}\n{(StageSteps == 0 ? string.Empty : $"stage_steps={StageSteps}\n")}{(DraftVocabulary == 0 ? string.Empty : $"draft_vocabulary={DraftVocabulary}\n")}alignment_data={AlignmentData}\n{(EmbeddingFromTarget ? "embedding_from_target=true\n" : string.Empty)}");

    /// <summary>"a then, b now" for two values; for lists of "name value" parts, only the parts that differ.</summary>
    private static string Changed(string was, string now)
    {
        string[] before = was.Split(", ");
        string[] after = now.Split(", ");
        if (before.Length > 1 && before.Length == after.Length)
        {
            int[] differ = [.. Enumerable.Range(0, before.Length).Where(i => before[i] != after[i])];
            was = string.Join(", ", differ.Select(i => before[i]));
            now = string.Join(", ", differ.Select(i => after[i]));
        }

        return $"{was} then, {now} now";
    }

    /// <summary>The alignment data options that shape the data, as "Name = value" parts (the record's own text, less the seed, count and budget).</summary>
    private static string AlignmentDataText(AlignmentDataOptions options)
    {
        // A record's ToString formats numbers in the current culture; the fingerprint must not change with it.
        CultureInfo culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        string text;
        try
        {
            text = options.ToString();
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }

        int open = text.IndexOf("{ ", StringComparison.Ordinal);
        int close = text.LastIndexOf(" }", StringComparison.Ordinal);
        string inner = open >= 0 && close > open ? text[(open + 2)..close] : text;
        // A batch size of 1 is left out: it makes the data as runs made before batching did, so their folders still match.
        string[] ignored = ["Sequences =", "Seed =", "TimeBudget ="];
        return string.Join(", ", inner.Split(", ").Where(part => !ignored.Any(name => part.StartsWith(name, StringComparison.Ordinal)) && part != "BatchSize = 1"));
    }

    private static (string Model, string Tokenizer) HashTarget(string folder)
    {
        using var model = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var tokenizer = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string path in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(path);
            if (name.StartsWith('.') || !IsModelFile(name))
            {
                continue;
            }

            bool isTokenizer = name.StartsWith("tokenizer", StringComparison.OrdinalIgnoreCase) || name.StartsWith("special_tokens", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("added_tokens", StringComparison.OrdinalIgnoreCase) || name is "vocab.json" or "vocab.txt" or "merges.txt";
            AppendFile(isTokenizer ? tokenizer : model, name, path);
        }

        return (Convert.ToHexStringLower(model.GetHashAndReset()), Convert.ToHexStringLower(tokenizer.GetHashAndReset()));
    }

    private static bool IsModelFile(string name) =>
        name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".data", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith(".onnx_data", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".model", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".txt", StringComparison.OrdinalIgnoreCase);

    private static string HashCorpus(string corpus, string includePattern)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        // The same files TokenCorpus reads, in the same order: a folder's matches by relative name, or a list's entries
        // (blank lines and # comments skipped, relative to the list's folder). A missing or unreadable file is hashed
        // as such; the corpus loader names it when it gets there.
        (string Root, IEnumerable<string> Names) files = Directory.Exists(corpus)
            ? (Path.GetFullPath(corpus), Directory.EnumerateFiles(Path.GetFullPath(corpus), includePattern, SearchOption.AllDirectories).Select(p => Path.GetRelativePath(Path.GetFullPath(corpus), p).Replace('\\', '/')))
            : (Path.GetDirectoryName(Path.GetFullPath(corpus))!, File.ReadLines(corpus).Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#')).Distinct(StringComparer.Ordinal));
        hash.AppendData(Encoding.UTF8.GetBytes(Directory.Exists(corpus) ? $"folder {includePattern}\n" : "list\n"));
        foreach (string name in files.Names.Order(StringComparer.Ordinal))
        {
            AppendFile(hash, name, Path.Combine(files.Root, name));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void AppendFile(IncrementalHash hash, string name, string path)
    {
        hash.AppendData(Encoding.UTF8.GetBytes(name));
        hash.AppendData([0]);
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            long length = file.Length;
            hash.AppendData(BitConverter.GetBytes(length));
            byte[] buffer = new byte[1 << 16];
            if (length <= SampledAbove)
            {
                int read;
                while ((read = file.Read(buffer)) > 0)
                {
                    hash.AppendData(buffer.AsSpan(0, read));
                }

                return;
            }

            for (int sample = 0; sample < Samples; sample++)
            {
                file.Position = (length - SampleBlock) / (Samples - 1) * sample;
                hash.AppendData(buffer.AsSpan(0, file.ReadAtLeast(buffer.AsSpan(0, SampleBlock), SampleBlock, throwOnEndOfStream: false)));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"unreadable:{ex.GetType().Name}"));
        }
    }

    /// <summary>Reads the target's vocabulary size from its genai_config.json without loading it; 0 when it cannot.</summary>
    internal static int ReadVocabulary(string target)
    {
        try
        {
            using JsonDocument config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(target, "genai_config.json")));
            return config.RootElement.GetProperty("model").GetProperty("vocab_size").GetInt32();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return 0; // loading the target reports what is wrong with its configuration
        }
    }
}
