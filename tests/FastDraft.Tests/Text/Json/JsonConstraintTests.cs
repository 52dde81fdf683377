using System.Text;
using FastDraft.Tests.Infrastructure;
using FastDraft.Text;

namespace FastDraft.Tests.Text.Json;

/// <summary>The JSON constraint over real vocabularies: byte-level BPE (GPT-2), SentencePiece with byte fallback (Llama-2) and the demo's 257 bytes.</summary>
public sealed class JsonConstraintTests
{
    public static TheoryData<string> Tokenizers => ["demo", SharedModels.Gpt2Legacy, SharedModels.LlamaGqa];

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void RandomLogits_UnderEverySuiteSchema_GiveTextTheSchemaAccepts(string tokenizerName)
    {
        ModelTokenizer tokenizer = Tokenizer(tokenizerName);
        foreach (string name in JsonSchemaSuite.Names)
        {
            JsonConstraint constraint = JsonConstraint.ForSchema(JsonSchemaSuite.Schema(name), tokenizer);
            for (int seed = 0; seed < 3; seed++)
            {
                int[] tokens = RandomWalk(constraint, tokenizer, seed, out bool ended);
                string text = tokenizer.Decode(tokens);
                Assert.True(ended, $"{name} ({tokenizerName}, seed {seed}): no end of sequence after {tokens.Length} tokens: {text}");
                JsonSchemaSuite.AssertValid(name, text);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void RandomLogits_AnyJson_GiveJson(string tokenizerName)
    {
        ModelTokenizer tokenizer = Tokenizer(tokenizerName);
        JsonConstraint constraint = JsonConstraint.AnyJson(tokenizer);
        int completed = 0;
        for (int seed = 0; seed < 10; seed++)
        {
            int[] tokens = RandomWalk(constraint, tokenizer, seed, out bool ended);
            if (ended)
            {
                completed++;
                using var document = System.Text.Json.JsonDocument.Parse(tokenizer.Decode(tokens));
            }
        }

        Assert.True(completed > 0, "no random walk completed a value");
    }

    [Fact]
    public void ConstObject_ByteVocabulary_IsForcedToTheEnd()
    {
        ModelTokenizer tokenizer = Tokenizer("demo");
        ITokenMatcher matcher = JsonConstraint.ForSchema("""{"const": {"a": [1, "b"]}}""", tokenizer).CreateMatcher();
        int[] forced = new int[64];

        int count = matcher.GetForcedTokens([], forced);

        Assert.Equal("""{"a":[1,"b"]}""", Encoding.UTF8.GetString([.. forced.Take(count - 1).Select(t => (byte)t)]));
        Assert.Equal(tokenizer.EndOfSequenceTokenId, forced[count - 1]);
    }

    [Fact]
    public void RequiredKeys_ByteVocabulary_ForceTheStructureBetweenValues()
    {
        ModelTokenizer tokenizer = Tokenizer("demo");
        ITokenMatcher matcher = JsonConstraint.ForSchema("""{"type":"object","properties":{"name":{"type":"string"}},"required":["name"],"additionalProperties":false}""", tokenizer).CreateMatcher();
        int[] forced = new int[64];

        int count = matcher.GetForcedTokens([], forced);
        Assert.Equal("{\"name\":", Encoding.UTF8.GetString([.. forced.Take(count).Select(t => (byte)t)]));
        int[] generated = [.. "{\"name\": \"x\""u8.ToArray().Select(b => (int)b)];
        count = matcher.GetForcedTokens(generated, forced);
        Assert.Equal(["}"[0], tokenizer.EndOfSequenceTokenId!.Value], forced.Take(count).ToArray());
    }

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Mask_EndOfSequence_OnlyWhenTheValueIsComplete(string tokenizerName)
    {
        ModelTokenizer tokenizer = Tokenizer(tokenizerName);
        ITokenMatcher matcher = JsonConstraint.ForSchema("""{"type":"array","items":{"type":"integer"}}""", tokenizer).CreateMatcher();
        int eos = tokenizer.EndOfSequenceTokenId!.Value;

        Assert.True(Allowed(matcher, tokenizer, [], eos) is false);
        Assert.True(Allowed(matcher, tokenizer, ByteTokens(tokenizer, "[1, 2"), eos) is false);
        Assert.True(Allowed(matcher, tokenizer, ByteTokens(tokenizer, "[1, 2]"), eos));
    }

    [Theory]
    [InlineData("""{"type":"string","pattern":"^a"}""", "pattern")]
    [InlineData("""{"type":"integer","minimum":3}""", "minimum")]
    [InlineData("""{"$ref":"#/x"}""", "$ref")]
    [InlineData("""{"oneOf":[{"type":"integer"}]}""", "oneOf")]
    public void ForSchema_UnsupportedKeyword_IsRefusedByName(string schema, string keyword)
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => JsonConstraint.ForSchema(schema, Tokenizer("demo")));
        Assert.Contains($"'{keyword}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mask_SteadyState_AllocatesNothing()
    {
        ModelTokenizer tokenizer = Tokenizer("demo");
        ITokenMatcher matcher = JsonConstraint.ForSchema(JsonSchemaSuite.Schema("invoice_lines"), tokenizer).CreateMatcher();
        int[] tokens = RandomWalk(JsonConstraint.ForSchema(JsonSchemaSuite.Schema("invoice_lines"), tokenizer), tokenizer, 1, out _);
        float[] logits = new float[tokenizer.VocabularySize];
        void Walk()
        {
            for (int i = 0; i < tokens.Length; i++)
            {
                matcher.Mask(logits, tokens.AsSpan(0, i));
            }
        }

        Walk(); // fills the caches
        long before = GC.GetAllocatedBytesForCurrentThread();
        Walk();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    internal static ModelTokenizer Tokenizer(string name) =>
        name == "demo" ? ModelTokenizer.Load(Path.Combine(AppContext.BaseDirectory, "models", "target")) : ModelTokenizer.Load(SharedModels.Path(name));

    /// <summary>Greedy over random logits under the constraint, up to 600 tokens.</summary>
    private static int[] RandomWalk(JsonConstraint constraint, ModelTokenizer tokenizer, int seed, out bool ended)
    {
        ITokenMatcher matcher = constraint.CreateMatcher();
        var random = new Random(seed);
        var tokens = new List<int>();
        float[] logits = new float[tokenizer.VocabularySize];
        int eos = tokenizer.EndOfSequenceTokenId ?? -1;
        for (int step = 0; step < 600; step++)
        {
            for (int i = 0; i < logits.Length; i++)
            {
                logits[i] = (float)random.NextDouble();
            }

            logits[eos] += 0.9f; // end when allowed
            matcher.Mask(logits, [.. tokens]);
            int token = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits);
            Assert.True(logits[token] > float.NegativeInfinity, $"every token masked after {tokenizer.Decode([.. tokens])}");
            if (token == eos)
            {
                ended = true;
                return [.. tokens];
            }

            tokens.Add(token);
        }

        ended = false;
        return [.. tokens];
    }

    /// <summary>One token per byte (every vocabulary here has one per ASCII byte), so that no tokenizer adds a leading space.</summary>
    private static int[] ByteTokens(ModelTokenizer tokenizer, string text) =>
        [.. Encoding.ASCII.GetBytes(text).Select(b => Enumerable.Range(0, tokenizer.VocabularySize).First(id => !tokenizer.Bytes.IsSpecial(id) && tokenizer.Bytes[id].SequenceEqual([b])))];

    private static bool Allowed(ITokenMatcher matcher, ModelTokenizer tokenizer, int[] generated, int token)
    {
        float[] logits = new float[tokenizer.VocabularySize];
        matcher.Mask(logits, generated);
        return logits[token] == 0f;
    }
}
