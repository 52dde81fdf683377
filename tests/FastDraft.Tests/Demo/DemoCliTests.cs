using System.Text.Json;
using FastDraft.Demo;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Demo;

public sealed class DemoCliTests
{
    private static async Task<(int Code, string Output, string Error)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await DemoApp.RunAsync(args, output, error, TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData(SharedModels.LlamaGqa, "--draft", SharedModels.LlamaMhaFp16)]
    [InlineData(SharedModels.LlamaMhaFp16, null, null)]
    [InlineData(SharedModels.Gpt2Legacy, "--ngram", "3")]
    public async Task Generate_Json_WorksOnTheSharedFolders(string target, string? draftOption, string? draftValue)
    {
        string targetFolder = SharedModels.Path(target);
        List<string> args = ["generate", "--target", targetFolder, "--prompt-ids", "1,2,3", "--max-new-tokens", "24", "--draft-tokens", "3", "--ignore-eos", "--json"];
        if (draftOption is not null)
        {
            args.AddRange([draftOption, draftOption == "--draft" ? SharedModels.Path(draftValue!) : draftValue!]);
        }

        (int code, string output, string error) = await Run([.. args]);
        Assert.True(code == 0, error);
        using JsonDocument json = JsonDocument.Parse(output);
        int[] ids = [.. json.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32())];
        JsonElement stats = json.RootElement.GetProperty("stats");
        foreach (string key in new[] { "target_calls", "draft_calls", "drafted", "accepted", "acceptance_rate", "mean_accepted_length", "tokens_per_second" })
        {
            Assert.Equal(JsonValueKind.Number, stats.GetProperty(key).ValueKind);
        }

        int[] expected = new SpeculativeGenerator(LoadedModels.Get(targetFolder))
            .GenerateToListAsync(new[] { 1, 2, 3 }, new GenerationOptions { MaxNewTokens = 24, IgnoreEndOfSequence = true }, TestContext.Current.CancellationToken)
            .GetAwaiter().GetResult().Ids;
        Assert.Equal(expected, ids);
        Assert.True(stats.GetProperty("target_calls").GetInt32() <= 24);
        if (draftOption is not null)
        {
            Assert.True(stats.GetProperty("drafted").GetInt32() > 0);
        }
    }

    [Fact]
    public async Task Generate_WithoutDraft_DecodesTargetOnly()
    {
        (int code, string output, _) = await Run("generate", "--target", TestModels.GqaTarget, "--prompt-ids", "1,2,3", "--max-new-tokens", "10", "--ignore-eos", "--json");
        Assert.Equal(0, code);
        JsonElement stats = JsonDocument.Parse(output).RootElement.GetProperty("stats");
        Assert.Equal(10, stats.GetProperty("target_calls").GetInt32());
        Assert.Equal(0, stats.GetProperty("drafted").GetInt32());
    }

    [Fact]
    public async Task Generate_WithSamplingOptions_IsReproducibleBySeed_AndValidatesThem()
    {
        string[] Args(string seed) => ["generate", "--target", TestModels.GqaTarget, "--draft", TestModels.StandardTarget, "--prompt-ids", "1,2,3", "--max-new-tokens", "32", "--ignore-eos", "--json",
            "--temperature", "0.8", "--top-k", "20", "--top-p", "0.9", "--min-p", "0.02", "--repetition-penalty", "1.1", "--seed", seed];
        int[] Ids(string output) => [.. JsonDocument.Parse(output).RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32())];

        (int code, string first, string error) = await Run(Args("7"));
        Assert.True(code == 0, error);
        Assert.Equal(Ids(first), Ids((await Run(Args("7"))).Output));
        Assert.NotEqual(Ids(first), Ids((await Run(Args("8"))).Output));

        (int bad, _, string message) = await Run("generate", "--target", TestModels.GqaTarget, "--prompt-ids", "1", "--top-p", "1.5");
        Assert.Equal(DemoApp.UsageError, bad);
        Assert.Contains("TopP", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1e-40", "1", "Temperature")]
    [InlineData("1", "1e-45", "RepetitionPenalty")]
    public async Task DegenerateSamplingOptions_ExitWithCode2AndOneLine_InsteadOfPrintingIdMinusOne(string temperature, string repetitionPenalty, string culprit)
    {
        (int code, string output, string error) = await Run("generate", "--target", TestModels.GqaTarget, "--prompt-ids", "1,2,3", "--max-new-tokens", "1", "--json",
            "--temperature", temperature, "--repetition-penalty", repetitionPenalty, "--seed", "1");
        Assert.Equal(DemoApp.UsageError, code);
        Assert.Empty(output);
        Assert.Single(error.TrimEnd('\n', '\r').Split('\n'));
        Assert.Contains(culprit, error, StringComparison.Ordinal);
    }

    public static TheoryData<string[], string> BadArguments => new()
    {
        { ["generate", "--target", "x", "--prompt-ids", "1", "--temperature", "warm"], "'warm'" },
        { ["generate", "--target", "x", "--prompt-ids", "1", "--seed", "1.5"], "'1.5'" },
        { ["generate", "--target", "x", "--prompt-ids", "1", "--prompt", "hi"], "exactly one of" },
        { ["tokenize", "--text", "hi"], "--model" },
        { ["tokenize", "--model", "/no/such/tokenizer", "--text", "hi"], "/no/such/tokenizer" },
        { ["generate", "--prompt-ids", "1,2"], "--target" },
        { ["generate", "--target", "x"], "--prompt-ids" },
        { ["generate", "--target", "x", "--prompt-ids", "1,x"], "'x'" },
        { ["generate", "--target", "x", "--prompt-ids", "1", "--frobnicate"], "'--frobnicate'" },
        { ["generate", "--target", "x", "--prompt-ids", "1", "--draft-tokens", "0"], "--draft-tokens" },
        { ["generate", "--target", "x", "--prompt-ids", "1", "--max-new-tokens"], "'--max-new-tokens'" },
        { ["generate", "--target", "x", "--prompt-ids", "1", "--draft", "y", "--ngram", "2"], "cannot be combined" },
        { ["generate", "--target", "/no/such/folder", "--prompt-ids", "1"], "/no/such/folder" },
        { ["frobnicate"], "'frobnicate'" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public async Task BadArguments_PrintOneLineAndExitWithCode2(string[] args, string culprit)
    {
        (int code, string output, string error) = await Run(args);
        Assert.Equal(DemoApp.UsageError, code);
        Assert.Empty(output);
        Assert.Single(error.TrimEnd('\n', '\r').Split('\n'));
        Assert.Contains(culprit, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_FromTextPrompt_Json_CarriesPromptIdsAndText_AndHonoursStops()
    {
        FastDraft.Text.ModelTokenizer tokenizer = FastDraft.Text.ModelTokenizer.Load(TestModels.TextModel);
        (int code, string output, string error) = await Run("generate", "--target", TestModels.TextModel, "--ngram", "2", "--prompt", " the cat sat", "--max-new-tokens", "30", "--ignore-eos", "--json");
        Assert.True(code == 0, error);
        JsonElement json = JsonDocument.Parse(output).RootElement;
        int[] promptIds = [.. json.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32())];
        int[] ids = [.. json.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32())];
        string text = json.GetProperty("text").GetString()!;
        Assert.Equal(tokenizer.Encode(" the cat sat"), promptIds);
        Assert.Equal(tokenizer.Decode(ids), text);

        string stop = text.Length > 8 ? text.Substring(4, 3) : "zz";
        (_, string stopped, _) = await Run("generate", "--target", TestModels.TextModel, "--ngram", "2", "--prompt", " the cat sat", "--max-new-tokens", "30", "--ignore-eos", "--json", "--stop", "never", "--stop", stop);
        JsonElement cut = JsonDocument.Parse(stopped).RootElement;
        Assert.Equal(text[..text.IndexOf(stop, StringComparison.Ordinal)], cut.GetProperty("text").GetString());
        Assert.Equal("StopSequence", cut.GetProperty("stats").GetProperty("stop_reason").GetString());
    }

    [Fact]
    public async Task Generate_FromTextPrompt_StreamsText()
    {
        (int code, string output, string error) = await Run("generate", "--target", TestModels.TextModel, "--prompt", " the cat", "--max-new-tokens", "12", "--ignore-eos");
        Assert.True(code == 0, error);
        GenerationResult expected = await new SpeculativeGenerator(LoadedModels.Get(TestModels.TextModel), null, null, FastDraft.Text.ModelTokenizer.Load(TestModels.TextModel))
            .GenerateToListAsync(" the cat", new GenerationOptions { MaxNewTokens = 12, IgnoreEndOfSequence = true });
        Assert.StartsWith(expected.Text!, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokenize_Json_PrintsTheIdsWithSpecialTokensAsConfigured()
    {
        (int code, string output, _) = await Run("tokenize", "--model", SharedModels.Path(SharedModels.LlamaGqa), "--text", "Hello world", "--json");
        Assert.Equal(0, code);
        Assert.Equal([1, 15043, 3186], JsonDocument.Parse(output).RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public async Task Chat_AnswersEachTurn_FromTheInput()
    {
        using var input = new StringReader("the cat\nthe dog\n/exit\n");
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await DemoApp.RunAsync(["generate", "--target", TestModels.TextModel, "--chat", "--max-new-tokens", "8"], input, output, error, TestContext.Current.CancellationToken);
        Assert.True(code == 0, error.ToString());
        Assert.Contains("ChatML", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(4, output.ToString().Split("> ").Length); // three prompts shown: two answered, then /exit
    }

    [Fact]
    public async Task TokenOutsideTheModelsVocabulary_IsAUsageError()
    {
        // The gpt2 export's tokenizer has 50257 entries but its model only 1000: text prompts hit it too.
        (int textCode, _, string textError) = await Run("generate", "--target", SharedModels.Path(SharedModels.Gpt2Legacy), "--prompt", "Hello world");
        Assert.Equal(DemoApp.UsageError, textCode);
        Assert.Contains("15496", textError, StringComparison.Ordinal);

        (int code, _, string error) = await Run("generate", "--target", SharedModels.Path(SharedModels.Gpt2Legacy), "--prompt-ids", "464,50256");
        Assert.Equal(DemoApp.UsageError, code);
        Assert.Contains("50256", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TargetThatCannotVerify_IsAUsageError_SayingWhy()
    {
        (int code, _, string error) = await Run("generate", "--target", SharedModels.Path(SharedModels.LlamaMhaFp16), "--draft", SharedModels.Path(SharedModels.LlamaGqa), "--prompt-ids", "1,2");
        Assert.Equal(DemoApp.UsageError, code);
        Assert.Contains("cannot score several new tokens", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoArguments_CompletesCodeWithTheTrainedPair_AndComparesWithTargetOnly()
    {
        (int code, string output, string error) = await Run();
        Assert.True(code == 0, output + error);
        Assert.Contains("Speculative output identical to target-only output: yes.", output, StringComparison.Ordinal);
        Assert.Matches(@"target only \d+ tok/s: \d+\.\d\dx\.", output);
        // Adaptive drafting depends on timing, so under load α can be anything in [0, 1] (all-accepted included).
        Assert.Matches(@"α = [01]\.\d\d \(\d+/\d+\)", output);
        Assert.Contains("def read_lines(path):", output, StringComparison.Ordinal);
    }
}
