using System.Text;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Text;
using Microsoft.Extensions.AI;

namespace FastDraft.Tests.Text;

public sealed class ChatClientTests
{
    private static readonly ChatMessage[] Conversation = [new(ChatRole.User, "the cat sat on the mat")];

    private static (IChatClient Client, SpeculativeGenerator Generator, ModelTokenizer Tokenizer) Create()
    {
        OnnxCausalLM target = LoadedModels.Get(TestModels.TextModel);
        OnnxCausalLM draft = LoadedModels.Get(TestModels.Perturbed("text-draft", TestModels.TextModel, 0.05f));
        ModelTokenizer tokenizer = ModelTokenizer.Load(TestModels.TextModel);
        var generator = new SpeculativeGenerator(target, draft, new SpeculativeOptions { DraftTokens = 3, AdaptiveDraftTokens = false }, tokenizer);
        return (generator.AsChatClient(), generator, tokenizer);
    }

    /// <summary>Runs a request through either path and returns the text, usage and finish reason.</summary>
    private static async Task<(string Text, UsageDetails Usage, ChatFinishReason? Finish, AdditionalPropertiesDictionary? Stats)> Ask(IChatClient client, bool streaming, ChatOptions? options, CancellationToken cancellationToken = default)
    {
        if (!streaming)
        {
            ChatResponse response = await client.GetResponseAsync(Conversation, options, cancellationToken);
            return (response.Text, response.Usage!, response.FinishReason, response.AdditionalProperties);
        }

        var text = new StringBuilder();
        UsageDetails? usage = null;
        ChatFinishReason? finish = null;
        AdditionalPropertiesDictionary? stats = null;
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Conversation, options, cancellationToken))
        {
            Assert.Equal(ChatRole.Assistant, update.Role);
            text.Append(update.Text);
            usage = update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details ?? usage;
            finish = update.FinishReason ?? finish;
            stats = update.AdditionalProperties ?? stats;
        }

        return (text.ToString(), usage!, finish, stats);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Response_CarriesTheGeneratedText_UsageAndSpeculativeStatistics(bool streaming)
    {
        (IChatClient client, SpeculativeGenerator generator, ModelTokenizer tokenizer) = Create();
        var options = new ChatOptions { MaxOutputTokens = 24 };
        (string text, UsageDetails usage, ChatFinishReason? finish, AdditionalPropertiesDictionary? stats) = await Ask(client, streaming, options);

        // The same request straight through the generator gives the same text.
        string prompt = ChatTemplate.FromTokenizer(tokenizer).Apply(Conversation);
        int[] promptIds = [.. tokenizer.Encode(prompt, addSpecialTokens: false)];
        GenerationResult direct = await generator.GenerateToListAsync(promptIds, new GenerationOptions { MaxNewTokens = 24, StopTokenIds = [tokenizer.Tokens["<|im_end|>"]] });
        Assert.Equal(direct.Text, text);

        Assert.Equal(promptIds.Length, usage.InputTokenCount);
        Assert.Equal(direct.Ids.Length, usage.OutputTokenCount);
        Assert.Equal(usage.InputTokenCount + usage.OutputTokenCount, usage.TotalTokenCount);
        Assert.Equal(direct.Stats.StopReason == StopReason.MaxNewTokens ? ChatFinishReason.Length : ChatFinishReason.Stop, finish);
        Assert.NotNull(stats);
        Assert.True(stats!.ContainsKey("fastdraft.acceptance_rate"));
        Assert.Equal(direct.Stats.AcceptedTokens, stats["fastdraft.accepted_tokens"]);
        Assert.True((int)stats["fastdraft.drafted_tokens"]! > 0);
        Assert.Equal(direct.Stats.AcceptedTokens, usage.AdditionalCounts!["fastdraft.accepted_tokens"]);
        Assert.Equal((int)stats["fastdraft.drafted_tokens"]!, usage.AdditionalCounts["fastdraft.drafted_tokens"]);
        Assert.IsType<double>(stats["fastdraft.time_to_first_token_ms"]);
    }

    [Theory]
    [MemberData(nameof(UnsupportedOptions))]
    public void UnsupportedOption_IsRefusedByName_NotIgnored(string name, ChatOptions options)
    {
        (IChatClient client, _, _) = Create();
        var refused = Assert.Throws<NotSupportedException>(() => client.GetStreamingResponseAsync(Conversation, options));
        Assert.Contains(name, refused.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, ChatOptions> UnsupportedOptions() => new()
    {
        { "ChatOptions.Tools", new ChatOptions { Tools = [AIFunctionFactory.Create(() => 1, "one")] } },
        { "ChatOptions.FrequencyPenalty", new ChatOptions { FrequencyPenalty = 0.5f } },
        { "my.option", new ChatOptions { AdditionalProperties = new() { ["my.option"] = 1 } } },
    };

    [Fact]
    public void RawRepresentationFactory_GivesTheGenerationOptionsToStartFrom()
    {
        (IChatClient client, _, ModelTokenizer tokenizer) = Create();
        var chat = (SpeculativeChatClient)client;
        var start = new GenerationOptions { Temperature = 0.5f, TopK = 9, StopSequences = ["STOP"], StopTokenIds = [3] };
        (_, GenerationOptions mapped, _) = chat.Prepare(Conversation, new ChatOptions { RawRepresentationFactory = _ => start, TopK = 4, MaxOutputTokens = 5 });

        Assert.Equal((0.5f, 4, 5), (mapped.Temperature, mapped.TopK, mapped.MaxNewTokens)); // ChatOptions win where they are set
        Assert.Equal(["STOP"], mapped.StopSequences!.Take(1));
        Assert.Equal([3, tokenizer.Tokens["<|im_end|>"]], mapped.StopTokenIds);
        Assert.Throws<NotSupportedException>(() => client.GetStreamingResponseAsync(Conversation, new ChatOptions { FrequencyPenalty = 1f, RawRepresentationFactory = _ => start }));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SeededSampling_IsReproducible_AndStopSequencesCutTheText(bool streaming)
    {
        (IChatClient client, _, _) = Create();
        var options = new ChatOptions { Temperature = 0.9f, TopK = 30, TopP = 0.95f, Seed = 11, MaxOutputTokens = 40 };
        (string first, _, _, _) = await Ask(client, streaming, options);
        (string second, _, _, _) = await Ask(client, streaming, options);
        Assert.Equal(first, second);

        string cut = first.Length > 6 ? first.Substring(3, 3) : "zzz";
        (string stopped, _, ChatFinishReason? finish, _) = await Ask(client, streaming, new ChatOptions { Temperature = 0.9f, TopK = 30, TopP = 0.95f, Seed = 11, MaxOutputTokens = 40, StopSequences = [cut] });
        Assert.Equal(first[..first.IndexOf(cut, StringComparison.Ordinal)], stopped);
        Assert.Equal(ChatFinishReason.Stop, finish);
    }

    [Fact]
    public void ChatOptions_MapToGenerationOptions()
    {
        (IChatClient client, _, ModelTokenizer tokenizer) = Create();
        var chat = (SpeculativeChatClient)client;
        (ReadOnlyMemory<int> prompt, GenerationOptions mapped, _) = chat.Prepare(Conversation, new ChatOptions
        {
            Temperature = 0.7f,
            TopP = 0.9f,
            TopK = 20,
            MaxOutputTokens = 7,
            StopSequences = ["END"],
            Seed = 5,
            PresencePenalty = 0.3f,
            Instructions = "Be brief.",
        });

        Assert.Equal((0.7f, 0.9f, 20, 7, 5L, 0.3f), (mapped.Temperature, mapped.TopP, mapped.TopK, mapped.MaxNewTokens, mapped.Seed, mapped.PresencePenalty));
        Assert.Equal(["END"], mapped.StopSequences);
        Assert.Equal([tokenizer.Tokens["<|im_end|>"]], mapped.StopTokenIds);
        Assert.Equal(tokenizer.Encode("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nthe cat sat on the mat<|im_end|>\n<|im_start|>assistant\n", addSpecialTokens: false), prompt.ToArray());

        (_, GenerationOptions greedy, _) = chat.Prepare(Conversation, null);
        Assert.Equal(0f, greedy.Temperature);
        (_, GenerationOptions sampled, _) = chat.Prepare(Conversation, new ChatOptions { TopP = 0.5f });
        Assert.Equal(1f, sampled.Temperature);

        Assert.Throws<ArgumentOutOfRangeException>(() => client.GetStreamingResponseAsync(Conversation, new ChatOptions { TopP = 2f }));
        Assert.Throws<NotSupportedException>(() => client.GetStreamingResponseAsync(Conversation, new ChatOptions { Tools = [AIFunctionFactory.Create(() => 1, "one")] }));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Cancellation_Throws_BeforeAndDuringTheResponse(bool streaming)
    {
        (IChatClient client, _, _) = Create();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Ask(client, streaming, new ChatOptions { MaxOutputTokens = 50 }, cancelled.Token));

        // Mid-way: a seeded request known to stream several pieces is cancelled after its first one.
        var options = new ChatOptions { Temperature = 1f, Seed = 3, MaxOutputTokens = 60 };
        Assert.True((await client.GetStreamingResponseAsync(Conversation, options).ToListAsync()).Count(u => u.Text.Length > 0) > 2);
        using var midway = new CancellationTokenSource();
        int seen = 0;
        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Conversation, options, midway.Token))
            {
                seen++;
                await midway.CancelAsync();
            }
        });
        Assert.Equal(1, seen);
        Assert.Equal(midway.Token, thrown.CancellationToken);
    }

    [Fact]
    public async Task Client_OwnsNothing_AndExposesWhatStandsBehindIt()
    {
        (IChatClient client, SpeculativeGenerator generator, ModelTokenizer tokenizer) = Create();
        Assert.Same(generator, client.GetService<SpeculativeGenerator>());
        Assert.Same(tokenizer, client.GetService<ModelTokenizer>());
        Assert.Equal("text-model", client.GetService<ChatClientMetadata>()!.DefaultModelId);
        Assert.NotNull(client.GetService<OnnxCausalLM>());

        client.Dispose();
        GenerationResult after = await generator.GenerateToListAsync(" the cat", new GenerationOptions { MaxNewTokens = 4 });
        Assert.NotEmpty(after.Ids);
    }
}
