using System.Runtime.InteropServices;
using FastDraft.OnnxRuntime;
using FastDraft.OnnxRuntime.Internals.KvCache;
using FastDraft.OnnxRuntime.Internals.Sessions;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Onnx;

public sealed class KvCacheTests
{
    public static TheoryData<string, double> Flavours => new()
    {
        { "writer-gqa", 1e-4 },
        { "writer-standard", 1e-4 },
        { "writer-standard-1-kv-head", 1e-4 },
        { "writer-int4", 1e-4 },
        { "writer-fp16", 2e-3 },
        { SharedModels.LlamaGqa, 1e-4 },
        { SharedModels.Gpt2Legacy, 1e-4 },
        { SharedModels.LlamaMhaFp16, 2e-3 }, // fp16 logits: rounding alone is ~1e-3
    };

    internal static string FolderOf(string flavour) => flavour switch
    {
        "writer-gqa" => TestModels.GqaTarget,
        "writer-standard" => TestModels.StandardTarget,
        "writer-int4" => TestModels.Int4Target,
        "writer-fp16" => TestModels.Fp16Target,
        "writer-standard-1-kv-head" => TestModels.UnrelatedDraft,
        _ => SharedModels.Path(flavour),
    };

    [Theory]
    [MemberData(nameof(Flavours))]
    public void Rollback_ThenNextToken_GivesTheLogitsOfAFreshRunOverTheAcceptedPrefix(string flavour, double tolerance)
    {
        OnnxCausalLM model = LoadedModels.Get(FolderOf(flavour));
        int vocabulary = model.Info.VocabularySize;
        var random = new Random(flavour.Length);
        int[] Tokens(int n) => [.. Enumerable.Range(0, n).Select(_ => random.Next(vocabulary))];

        int[] prompt = Tokens(7);
        var accepted = new List<int>(prompt);
        using IModelSession session = model.CreateSession(64);
        session.Append(prompt);

        // Three rounds of "verify 5 drafted tokens, keep a few, roll back the rest".
        foreach (int keep in new[] { 2, 0, 4 })
        {
            int[] block = Tokens(5);
            session.Append(block);
            session.Truncate(accepted.Count + keep);
            accepted.AddRange(block[..keep]);
        }

        int next = random.Next(vocabulary);
        session.Append([next]);
        float[] rolledBack = session.GetLogits(0).ToArray();

        using IModelSession fresh = model.CreateSession(64);
        int[] all = [.. accepted, next];
        fresh.Append(all);
        float[] expected = fresh.GetLogits(all.Length - 1).ToArray();

        double worst = expected.Zip(rolledBack, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= tolerance, $"{flavour}: max |Δlogit| after roll-back = {worst:E2} > {tolerance:E0}");
    }

    [Fact]
    public void SharedBuffer_CopiesNothingAcrossRounds_WhileAGrowingCacheWithSeveralHeadsMustMoveEntries()
    {
        static long CopiedOver50Rounds(string folder)
        {
            using var session = (OnnxModelSession)LoadedModels.Get(folder).CreateSession(512);
            session.Append([1, 2, 3, 4, 5, 6]);
            for (int round = 0; round < 50; round++)
            {
                session.Append([7, 8, 9, 10, 11]);
                session.Truncate(session.Length - 3);
            }

            return session.KvBytesCopied;
        }

        Assert.Equal(0, CopiedOver50Rounds(TestModels.GqaTarget));
        Assert.Equal(0, CopiedOver50Rounds(TestModels.UnrelatedDraft)); // one key/value head: the kept prefix is already contiguous

        // Two key/value heads: each roll-back moves the second head's kept entries (fp32, head size 16), in 4 tensors.
        long expected = Enumerable.Range(0, 50).Sum(round => 4L * 16 * 4 * (6 + (2 * round) + 2));
        Assert.Equal(expected, CopiedOver50Rounds(TestModels.StandardTarget));
    }

    [Fact]
    public void SharedBuffer_IsWrittenInPlace_AndRollbackIsALengthChange()
    {
        using var session = (OnnxModelSession)LoadedModels.Get(TestModels.GqaTarget).CreateSession(32);
        var cache = Assert.IsType<SharedKvCache>(session.KvCache);
        const int headSize = 16;
        ReadOnlySpan<float> Row(int position) => MemoryMarshal.Cast<byte, float>(cache.Buffer(0)).Slice(position * headSize, headSize);

        session.Append([1, 2, 3, 4, 5]);
        Assert.True(Row(4).ContainsAnyExcept(0f), "ONNX Runtime wrote the present entries into the bound buffer");
        Assert.False(Row(5).ContainsAnyExcept(0f), "nothing past the valid length was written");

        float[] stale = Row(4).ToArray();
        session.Truncate(3);
        Assert.Equal(stale, Row(4).ToArray()); // roll-back moved nothing
        session.Append([9]);
        Assert.NotEqual(stale, Row(3).ToArray());
        Assert.Equal(stale, Row(4).ToArray()); // the stale entry stays, ignored by the mask length
    }
}
