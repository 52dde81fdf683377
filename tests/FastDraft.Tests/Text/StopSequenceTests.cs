using FastDraft.Tests.Infrastructure;
using FastDraft.Text;

namespace FastDraft.Tests.Text;

/// <summary>
/// Stop sequences end the text where they begin, whether they sit inside one token, span tokens, or
/// fall inside a block of accepted drafts; nothing from them on is emitted, and the statistics count
/// only emitted tokens. A scripted model spells out a fixed text; a perfect draft makes every round
/// a fully accepted block of K = 4.
/// </summary>
public sealed class StopSequenceTests
{
    private const string Script = " the cat sat on the mat. the dog ran to the end";
    private static readonly int[] Prompt = [7];

    private static (SpeculativeGenerator Generator, int[] Ids, ModelTokenizer Tokenizer) Setup()
    {
        ModelTokenizer tokenizer = ModelTokenizer.Load(TestModels.TextModel);
        int[] ids = [.. tokenizer.Encode(Script, addSpecialTokens: false)];
        int eos = tokenizer.EndOfSequenceTokenId!.Value;
        int Next(ReadOnlySpan<int> context) => context.Length - Prompt.Length < ids.Length ? ids[context.Length - Prompt.Length] : eos;
        var model = new FunctionModel(tokenizer.VocabularySize, Next, endOfSequence: [eos]);
        var draft = new ScriptedDraft((context, k) =>
        {
            var proposal = new List<int>(context);
            for (int i = 0; i < k; i++)
            {
                proposal.Add(Next(proposal.ToArray()));
            }

            return [.. proposal.Skip(context.Length)];
        });
        return (new SpeculativeGenerator(model, draft, new SpeculativeOptions { DraftTokens = 4, AdaptiveDraftTokens = false }, tokenizer), ids, tokenizer);
    }

    public static TheoryData<string, string> Stops => new()
    {
        { "inside one token", "at." },
        { "across two tokens", "t on t" },
        { "inside an accepted block", "dog ran" },
        { "at the very start", " the c" },
        { "spanning a whole token", " cat sat" },
        { "several, earliest wins", "end|mat|dog" },
    };

    [Theory]
    [MemberData(nameof(Stops))]
    public async Task StopSequence_EndsTheTextWhereItBegins_AndNothingAfterIsEmitted(string where, string stops)
    {
        (SpeculativeGenerator generator, int[] script, ModelTokenizer tokenizer) = Setup();
        string[] sequences = stops.Split('|');
        int stopAt = sequences.Select(s => Script.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).Min();

        (string text, int[] ids, GenerationStats stats) = await TextGenerationTests.Generate(generator, Prompt, new GenerationOptions { MaxNewTokens = 40, StopSequences = sequences });

        Assert.Equal(StopReason.StopSequence, stats.StopReason);
        Assert.Equal(Script[..stopAt], text);
        Assert.Equal(script[..ids.Length], ids);
        Assert.Equal(ids.Length, stats.GeneratedTokens);
        if (ids.Length > 0)
        {
            // Every emitted token starts before the stop sequence; the next one would not have.
            Assert.True(tokenizer.Decode(ids[..^1]).Length < stopAt, where);
            Assert.True(tokenizer.Decode(script[..(ids.Length + 1)]).Length > stopAt, where);
        }

        if (where == "inside an accepted block")
        {
            // The round that reached the stop was a fully accepted block: its tokens up to the stop came from the draft.
            Assert.True(stats.AcceptedTokens >= 4);
        }
    }

    [Fact]
    public async Task HeldBackText_IsReleased_WhenTheStopSequenceDoesNotMaterialise()
    {
        (SpeculativeGenerator generator, _, _) = Setup();
        var pieces = new List<string>();
        var stats = new GenerationStats();
        await foreach (GeneratedToken token in generator.GenerateAsync(Prompt, new GenerationOptions { MaxNewTokens = 40, StopSequences = ["the cow", "mat!"] }, stats))
        {
            pieces.Add(token.Text!);
        }

        Assert.Equal(Script, string.Concat(pieces));
        Assert.Equal(StopReason.EndOfSequence, stats.StopReason);
        Assert.Equal(stats.GeneratedTokens, pieces.Count);
    }

    [Fact]
    public void StopSequences_AreValidatedWhenGenerateIsCalled()
    {
        (SpeculativeGenerator generator, _, _) = Setup();
        Assert.Throws<ArgumentException>(() => generator.GenerateAsync(Prompt, new GenerationOptions { StopSequences = [string.Empty] }));
    }
}
