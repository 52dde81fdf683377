using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Sampling;

/// <summary>
/// The property behind issue 9 item 1: whatever the options (seeded random combinations, extremes
/// included) and whatever processors do (mask everything, inject NaN, on random steps), a generation
/// either yields ids in [0, vocabulary), or is refused at the call with
/// <see cref="ArgumentOutOfRangeException"/>, or throws <see cref="GenerationException"/>. Nothing else.
/// </summary>
public sealed class VocabularyRangePropertyTests
{
    private const int Vocabulary = 12;
    private const int Trials = 300;

    private static readonly float[] Temperatures = [0f, 0f, 1e-6f, 1e-3f, 0.3f, 1f, 2f, 1e6f, 1e-40f, float.NaN];
    private static readonly int[] TopKs = [0, 0, 1, 3, Vocabulary, Vocabulary + 5];
    private static readonly float[] TopPs = [1f, 1f, 0.9f, 0.5f, 1e-6f, 1e-30f];
    private static readonly float[] MinPs = [0f, 0f, 0.05f, 0.5f, 1f];
    private static readonly float[] RepetitionPenalties = [1f, 1f, 1.3f, 0.5f, 1e-6f, 1e6f, 1e-45f];
    private static readonly float[] PresencePenalties = [0f, 0f, 0.5f, -2f, 1e6f, -1e6f, -3e38f];

    [Theory]
    [InlineData("target-only")]
    [InlineData("model-draft")]
    [InlineData("ngram")]
    public async Task AnyOptionsAndProcessors_YieldOnlyVocabularyIds_OrThrowTheDocumentedExceptions(string mode)
    {
        var random = new Random(9_001 + mode.Length);
        int completed = 0, refused = 0, failed = 0;
        for (int trial = 0; trial < Trials; trial++)
        {
            GenerationOptions options = RandomOptions(random);
            int[] prompt = [.. Enumerable.Range(0, random.Next(1, 6)).Select(_ => random.Next(Vocabulary))];
            SpeculativeGenerator generator = Generator(mode, RandomTarget(random, trial), random);

            IAsyncEnumerable<GeneratedToken> stream;
            try
            {
                stream = generator.GenerateAsync(prompt, options, cancellationToken: TestContext.Current.CancellationToken);
            }
            catch (ArgumentOutOfRangeException ex) when (ex.ParamName == "options")
            {
                refused++;
                continue;
            }

            try
            {
                int count = 0;
                await foreach (GeneratedToken token in stream)
                {
                    Assert.True(token.Id is >= 0 and < Vocabulary, $"trial {trial}: id {token.Id} with {options}");
                    count++;
                }

                Assert.InRange(count, 1, options.MaxNewTokens);
                completed++;
            }
            catch (GenerationException ex)
            {
                Assert.Contains("generated token", ex.Message, StringComparison.Ordinal);
                Assert.True(ex.TokenIndex >= 0 && ex.Position == ex.TokenIndex + prompt.Length, $"trial {trial}: {ex.Message}");
                failed++;
            }
        }

        // The loop exercised every outcome, so the property was actually tested on each.
        Assert.True(completed > 50 && refused > 20 && failed > 20, $"completed {completed}, refused {refused}, failed {failed}");
    }

    private static T Pick<T>(Random random, T[] values) => values[random.Next(values.Length)];

    private static GenerationOptions RandomOptions(Random random)
    {
        // Pure processors (functions of the context): each masks or poisons a random set of steps.
        int modulus = random.Next(2, 9);
        int residue = random.Next(modulus);
        ILogitsProcessor[] processors = random.Next(4) switch
        {
            0 => [],
            1 => [DelegateProcessor.MaskAll(length => length % modulus == residue)],
            2 => [DelegateProcessor.InjectNaN(length => length % modulus == residue)],
            _ => [DelegateProcessor.MaskAll(length => length % (modulus + 3) == residue), DelegateProcessor.InjectNaN(length => length % (modulus + 5) == residue)],
        };

        return new GenerationOptions
        {
            MaxNewTokens = random.Next(1, 17),
            IgnoreEndOfSequence = random.Next(2) == 0,
            Temperature = Pick(random, Temperatures),
            TopK = Pick(random, TopKs),
            TopP = Pick(random, TopPs),
            MinP = Pick(random, MinPs),
            RepetitionPenalty = Pick(random, RepetitionPenalties),
            PresencePenalty = Pick(random, PresencePenalties),
            Seed = random.NextInt64(),
            LogitsProcessors = processors,
        };
    }

    /// <summary>A varied target; one in five also produces NaN logits on some steps by itself.</summary>
    private static LogitsModel RandomTarget(Random random, int trial)
    {
        LogitsModel hashed = LogitsModel.Hashed(Vocabulary, trial);
        if (random.Next(5) != 0)
        {
            return hashed;
        }

        int poisoned = random.Next(1, 20);
        return new LogitsModel(Vocabulary, (context, logits) =>
        {
            hashed.Fill(context, logits);
            if (context.Length == poisoned)
            {
                logits[0] = float.NaN;
            }
        });
    }

    private static SpeculativeGenerator Generator(string mode, LogitsModel target, Random random)
    {
        var drafting = new SpeculativeOptions { DraftTokens = random.Next(1, 5) };
        return mode switch
        {
            "target-only" => new SpeculativeGenerator(target),
            "model-draft" => new SpeculativeGenerator(target, LogitsModel.Hashed(Vocabulary, random.Next()).AsDraft(), drafting),
            _ => new SpeculativeGenerator(target, new NGramDraftModel(2), drafting),
        };
    }
}
