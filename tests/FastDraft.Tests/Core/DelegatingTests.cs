using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Core;

/// <summary>The <c>Delegating…</c> bases forward every member, so a wrapper overrides only what it changes.</summary>
public sealed class DelegatingTests
{
    private const int Vocabulary = 40;
    private static readonly int[] Prompt = [3, 1, 4, 1, 5];

    private sealed class PlainModel(ITargetModel inner) : DelegatingTargetModel(inner);

    private sealed class PlainDraft(IDraftModel inner) : DelegatingDraftModel(inner)
    {
        public List<int> Truncations { get; } = [];

        public override IDraftSession CreateDraftSession(int capacity) => new Session(base.CreateDraftSession(capacity), Truncations);

        private sealed class Session(IDraftSession inner, List<int> truncations) : DelegatingDraftSession(inner)
        {
            public override void Truncate(int length)
            {
                truncations.Add(length);
                base.Truncate(length);
            }
        }
    }

    /// <summary>Counts the forward passes of its sessions: one member overridden, the rest forwarded.</summary>
    private sealed class CountingModel(ITargetModel inner) : DelegatingTargetModel(inner)
    {
        public int Passes;

        public override IModelSession CreateSession(int capacity) => new Session(base.CreateSession(capacity), this);

        private sealed class Session(IModelSession inner, CountingModel model) : DelegatingModelSession(inner)
        {
            public override void Append(ReadOnlySpan<int> tokens, CancellationToken cancellationToken = default)
            {
                model.Passes++;
                base.Append(tokens, cancellationToken);
            }
        }
    }

    private static FunctionModel Model() => new(Vocabulary, context => ((context[^1] * 3) + context.Length) % Vocabulary);

    /// <summary>A draft that agrees with <see cref="Model"/> except at every fifth position, so that rounds are rolled back.</summary>
    private static LanguageModelDraft Draft() => new(new FunctionModel(Vocabulary, context => context.Length % 5 == 0 ? 0 : ((context[^1] * 3) + context.Length) % Vocabulary));

    [Fact]
    public async Task Wrappers_ThatOverrideNothing_GenerateExactlyWhatTheInnerModelsDo()
    {
        FunctionModel model = Model();
        var options = new GenerationOptions { MaxNewTokens = 24 };
        var fixedK = new SpeculativeOptions { DraftTokens = 3, AdaptiveDraftTokens = false }; // timings choose no draft length
        GenerationResult direct = await new SpeculativeGenerator(model, Draft(), fixedK).GenerateToListAsync(Prompt, options);

        var draft = new PlainDraft(Draft());
        GenerationResult wrapped = await new SpeculativeGenerator(new PlainModel(model), draft, fixedK).GenerateToListAsync(Prompt, options);

        Assert.Equal(direct.Tokens, wrapped.Tokens);
        Assert.Contains(wrapped.Tokens, t => t.Source == TokenSource.Correction);
        Assert.Equal(direct.Stats.TargetCalls, wrapped.Stats.TargetCalls);
        Assert.Equal(direct.Stats.DraftCalls, wrapped.Stats.DraftCalls);
        Assert.Equal(wrapped.Stats.Rounds, draft.Truncations.Count); // the draft is rolled back after every verification
        Assert.Equal(model.SessionsCreated, model.SessionsDisposed); // disposing a wrapper disposes the inner session
    }

    [Fact]
    public void Wrappers_ForwardTheirMembers_AndAnswerGetServiceForThemselvesFirst()
    {
        FunctionModel model = Model();
        var wrapped = new PlainModel(model);
        Assert.Same(model.Info, wrapped.Info);
        Assert.Same(wrapped, wrapped.GetService(typeof(ITargetModel)));
        Assert.Same(model, wrapped.GetService(typeof(FunctionModel)));

        var ngram = new NGramDraftModel();
        var draft = new PlainDraft(ngram);
        Assert.Null(draft.VocabularySize);
        Assert.Same(draft, draft.GetService(typeof(IDraftModel)));
        Assert.Same(ngram, draft.GetService(typeof(NGramDraftModel)));

        var counting = new CountingModel(model);
        using IModelSession session = counting.CreateSession(16);
        session.Append(Prompt);
        session.Append([7]);
        Assert.Equal((6, 16, 2), (session.Length, session.Capacity, counting.Passes));
        Assert.Equal(model.Next([.. Prompt, 7]), System.Numerics.Tensors.TensorPrimitives.IndexOfMax(session.GetLogits(0)));
        session.Truncate(2);
        Assert.Equal(2, session.Length);
    }
}
