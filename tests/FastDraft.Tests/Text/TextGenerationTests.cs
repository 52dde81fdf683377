using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Text;

namespace FastDraft.Tests.Text;

public sealed class TextGenerationTests
{
    /// <summary>Runs a generation and checks that the streamed pieces concatenate to the full decode of the emitted ids.</summary>
    internal static async Task<(string Text, int[] Ids, GenerationStats Stats)> Generate(SpeculativeGenerator generator, int[] prompt, GenerationOptions options)
    {
        GenerationResult result = await generator.GenerateToListAsync(prompt, options);
        Assert.All(result.Tokens, token => Assert.NotNull(token.Text));
        string text = string.Concat(result.Tokens.Select(token => token.Text));
        int[] ids = result.Ids;
        GenerationStats stats = result.Stats;

        Assert.Equal(ids.Length, stats.GeneratedTokens);
        if (stats.StopReason != StopReason.StopSequence)
        {
            Assert.Equal(generator.Tokenizer!.Decode(ids), text);
        }

        return (text, ids, stats);
    }

    public static TheoryData<string, string, bool> Setups => new()
    {
        { "text-model", "none", false },
        { "text-model", "self", true },
        { "text-model", "ngram", false },
        { SharedModels.LlamaGqa, SharedModels.LlamaMhaFp16, false },
        { SharedModels.LlamaGqa, "none", true },
        { SharedModels.Gpt2Legacy, "ngram", true },
    };

    [Theory]
    [MemberData(nameof(Setups))]
    public async Task StreamedText_EqualsTheFullDecode_EvenWhenCutInsideACharacter(string targetName, string draftKind, bool sampling)
    {
        string folder = targetName == "text-model" ? TestModels.TextModel : SharedModels.Path(targetName);
        OnnxCausalLM target = LoadedModels.Get(folder);
        ModelTokenizer tokenizer = ModelTokenizer.Load(folder);
        IDraftModel? draft = draftKind switch
        {
            "none" => null,
            "self" => target,
            "ngram" => new NGramDraftModel(),
            _ => LoadedModels.Get(SharedModels.Path(draftKind)),
        };
        var generator = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 3 }, tokenizer);

        int incomplete = 0;
        for (int run = 0; run < 24; run++)
        {
            // The gpt2 export's model covers only the first 1000 of its tokenizer's ids.
            int[] prompt = [.. tokenizer.Encode($"the cat {run} ran to").Where(id => id < target.Info.VocabularySize)];
            var options = new GenerationOptions { MaxNewTokens = 3 + (run * 5), IgnoreEndOfSequence = true, Temperature = sampling ? 1f : 0f, Seed = run };
            (string text, int[] ids, _) = await Generate(generator, prompt, options);
            incomplete += text.EndsWith('\uFFFD') && !tokenizer.Decode(ids[..^1]).EndsWith('\uFFFD') ? 1 : 0;
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{targetName}: {incomplete} of 24 generations were cut inside a character");
    }

    [Fact]
    public async Task CutInsideAFourByteCharacter_StreamsNoHalfCharacter_AndEndsLikeTheFullDecode()
    {
        // The Llama tokenizer spells 😀 as four byte pieces; the model emits them and the budget cuts after two.
        ModelTokenizer tokenizer = ModelTokenizer.Load(SharedModels.Path(SharedModels.LlamaGqa));
        int[] script = [15043, 243, 162, 155, 131, 3186];
        var model = new FunctionModel(32000, context => script[Math.Min(context.Length - 2, script.Length - 1)]);
        var generator = new SpeculativeGenerator(model, null, null, tokenizer);

        var pieces = new List<string>();
        await foreach (GeneratedToken token in generator.GenerateAsync(new[] { 1, 7 }, new GenerationOptions { MaxNewTokens = 3 }))
        {
            pieces.Add(token.Text!);
        }

        Assert.Equal([" Hello", string.Empty, "\uFFFD"], pieces); // nothing for the first byte; the cut character at the end, as a full decode shows it
        Assert.Equal(tokenizer.Decode(script.AsSpan(0, 3)), string.Concat(pieces));

        pieces.Clear();
        await foreach (GeneratedToken token in generator.GenerateAsync(new[] { 1, 7 }, new GenerationOptions { MaxNewTokens = 6 }))
        {
            pieces.Add(token.Text!);
        }

        Assert.Equal([" Hello", string.Empty, string.Empty, string.Empty, "\uD83D\uDE00", " world"], pieces);
    }

    [Fact]
    public async Task TextPrompt_IsEncodedWithTheTokenizer_AndNeedsOne()
    {
        OnnxCausalLM target = LoadedModels.Get(TestModels.TextModel);
        ModelTokenizer tokenizer = ModelTokenizer.Load(TestModels.TextModel);
        var options = new GenerationOptions { MaxNewTokens = 12, IgnoreEndOfSequence = true };
        var generator = new SpeculativeGenerator(target, new NGramDraftModel(), null, tokenizer);

        GenerationResult fromText = await generator.GenerateToListAsync(" the cat sat", options);
        GenerationResult fromIds = await generator.GenerateToListAsync(tokenizer.Encode(" the cat sat").ToArray(), options);
        Assert.Equal(fromIds.Ids, fromText.Ids);
        Assert.Equal(fromText.Stats.PromptTokens, tokenizer.Encode(" the cat sat").Count);

        var idsOnly = new SpeculativeGenerator(target);
        Assert.Throws<InvalidOperationException>(() => idsOnly.GenerateAsync("text"));
        Assert.Throws<ArgumentException>(() => idsOnly.GenerateAsync(new[] { 1 }, new GenerationOptions { StopSequences = ["x"] }));
        Assert.Null((await idsOnly.GenerateToListAsync(new[] { 1 }, new GenerationOptions { MaxNewTokens = 2 })).Tokens[0].Text);
    }
}
