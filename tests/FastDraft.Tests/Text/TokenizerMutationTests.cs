using System.Text;
using System.Text.Json.Nodes;
using FastDraft.ModelWriter;
using FastDraft.Tests.Infrastructure;
using FastDraft.Text;

namespace FastDraft.Tests.Text;

/// <summary>
/// The seeded mutation loop over the tokenizer parsers: thousands of damaged <c>tokenizer.json</c> and
/// <c>tokenizer_config.json</c> files, each of which must either load (and then encode and decode without
/// error) or fail with what <see cref="ModelTokenizer.Load"/> documents: <see cref="InvalidModelException"/>
/// or <see cref="NotSupportedException"/>, naming the file. Anything else fails the test with the seed and
/// the mutation.
/// </summary>
public sealed class TokenizerMutationTests
{
    private const int BaseSeed = 20_260_009;
    private const int CasesPerSeedFile = 350;
    private const int MinimumCases = 1000;

    public static TheoryData<string> Parsers => ["tokenizer.json", "tokenizer_config.json"];

    [Theory]
    [MemberData(nameof(Parsers))]
    public void MutatedTokenizerFiles_LoadOrFailWithDocumentedTypes(string parser)
    {
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var failures = new List<string>();
        int cases = 0;

        // Without ../shared fewer folders hold this file: each is mutated more, so the loop still runs a thousand cases or more.
        int seedFiles = TokenizerSeeds.Folders().Count(f => File.Exists(Path.Combine(f.Folder, parser)));
        int casesPerSeedFile = Math.Max(CasesPerSeedFile, (MinimumCases + seedFiles - 1) / Math.Max(seedFiles, 1));
        foreach ((string name, string seedFolder) in TokenizerSeeds.Folders())
        {
            string valid = Path.Combine(seedFolder, parser);
            if (!File.Exists(valid))
            {
                continue;
            }

            Assert.NotNull(ModelTokenizer.Load(seedFolder)); // the seed itself is valid
            string folder = TestModels.Scratch($"mutate-{name}");
            foreach (string file in Directory.GetFiles(seedFolder, "tokenizer*.json"))
            {
                File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            }

            byte[] bytes = File.ReadAllBytes(valid);
            int seed = BaseSeed + (31 * name.Length) + name[0] + (parser.Length * 7);
            var mutator = new JsonMutator(seed);
            for (int i = 0; i < casesPerSeedFile; i++)
            {
                JsonMutation mutation = mutator.Mutate(bytes);
                File.WriteAllBytes(Path.Combine(folder, parser), mutation.Bytes);
                cases++;
                string? outcome = Try(folder, parser, out string? failure);
                if (outcome is null)
                {
                    failures.Add($"seed {seed} ({name}/{parser}) case {i}, {mutation}: {failure}");
                    continue;
                }

                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }
        }

        string counts = $"{parser}: {cases} cases; " + string.Join(", ", outcomes.Select(p => $"{p.Key} {p.Value}"));
        TestContext.Current.TestOutputHelper?.WriteLine(counts);
        Assert.True(failures.Count == 0, $"{failures.Count} undocumented outcomes ({counts}):\n" + string.Join('\n', failures.Take(30)));
        Assert.True(cases >= MinimumCases, counts);
        Assert.True(outcomes.GetValueOrDefault("loaded") > 0 && outcomes.GetValueOrDefault(nameof(InvalidModelException)) > 0, counts);
    }

    /// <summary>The outcome's name, or null with <paramref name="failure"/> set when it is not a documented one.</summary>
    private static string? Try(string folder, string parser, out string? failure)
    {
        failure = null;
        try
        {
            ModelTokenizer tokenizer = ModelTokenizer.Load(folder);
            IReadOnlyList<int> ids = tokenizer.Encode("Hello, world 42! <|im_end|> ünï\n\t中文 😀");
            _ = tokenizer.Decode([.. ids]);
            _ = tokenizer.Decode([.. Enumerable.Range(0, Math.Min(tokenizer.VocabularySize, 300))]);
            return "loaded";
        }
        catch (Exception ex) when (ex is InvalidModelException or NotSupportedException && ex.Message.Contains(parser, StringComparison.Ordinal))
        {
            return ex.GetType().Name;
        }
        catch (Exception ex)
        {
            failure = $"{ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}";
            return null;
        }
    }
}

/// <summary>Valid tokenizer folders to mutate: the writer's, a Split-sequence variant, a SentencePiece-style one, and the shared fixtures' small files.</summary>
internal static class TokenizerSeeds
{
    private static readonly Lazy<List<(string Name, string Folder)>> Written = new(Write);

    public static List<(string Name, string Folder)> Folders() => Written.Value;

    /// <summary>A SentencePiece-style BPE tokenizer.json (as Llama 2's): ▁ for spaces, byte fallback, array merges.</summary>
    public static JsonObject SentencePieceStyle()
    {
        var vocab = new JsonObject { ["<unk>"] = 0, ["<s>"] = 1, ["</s>"] = 2 };
        for (int b = 0; b < 256; b++)
        {
            vocab[$"<0x{b:X2}>"] = vocab.Count;
        }

        foreach (string piece in new[] { "▁", "t", "h", "e", "a", "i", "n", "▁t", "he", "▁the", "in", "▁a" })
        {
            vocab[piece] = vocab.Count;
        }

        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(
                new JsonObject { ["id"] = 0, ["content"] = "<unk>", ["special"] = true },
                new JsonObject { ["id"] = 1, ["content"] = "<s>", ["special"] = true },
                new JsonObject { ["id"] = 2, ["content"] = "</s>", ["special"] = true }),
            ["normalizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["normalizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Prepend", ["prepend"] = "▁" },
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = " " }, ["content"] = "▁" }),
            },
            ["pre_tokenizer"] = null,
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["unk_token"] = "<unk>",
                ["fuse_unk"] = true,
                ["byte_fallback"] = true,
                ["vocab"] = vocab,
                ["merges"] = new JsonArray(
                    new JsonArray("▁", "t"), new JsonArray("h", "e"), new JsonArray("▁t", "he"), new JsonArray("i", "n"), new JsonArray("▁", "a")),
            },
        };
    }

    private static List<(string, string)> Write()
    {
        var seeds = new List<(string, string)>();
        string writer = TestModels.Scratch("seed-writer");
        TokenizerWriter.WriteByteLevel(writer, 400, TestModels.Words, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], TestModels.ChatMLTemplate);
        seeds.Add(("writer", writer));

        string split = TestModels.Scratch("seed-split");
        JsonNode json = JsonNode.Parse(File.ReadAllText(Path.Combine(writer, "tokenizer.json")))!;
        json["pre_tokenizer"] = JsonNode.Parse("""
            { "type": "Sequence", "pretokenizers": [
              { "type": "Split", "pattern": { "Regex": "(?i:'s|'t|'re)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}" }, "behavior": "Isolated", "invert": false },
              { "type": "Split", "pattern": { "String": "," }, "behavior": "MergedWithPrevious", "invert": false },
              { "type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false } ] }
            """);
        File.WriteAllText(Path.Combine(split, "tokenizer.json"), json.ToJsonString());
        seeds.Add(("split", split));

        string sentencePiece = TestModels.Scratch("seed-spm");
        File.WriteAllText(Path.Combine(sentencePiece, "tokenizer.json"), SentencePieceStyle().ToJsonString(), Encoding.UTF8);
        string llama = Path.Combine(RepositoryRoot.Find(), "..", "shared", "models", SharedModels.LlamaGqa, "tokenizer_config.json");
        if (File.Exists(llama))
        {
            File.Copy(llama, Path.Combine(sentencePiece, "tokenizer_config.json"));
        }

        seeds.Add(("spm", sentencePiece));

        string metaspace = TestModels.Scratch("seed-metaspace");
        JsonObject metaspaceJson = SentencePieceStyle();
        metaspaceJson["normalizer"] = null;
        metaspaceJson["pre_tokenizer"] = JsonNode.Parse("""
            { "type": "Sequence", "pretokenizers": [
              { "type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": true },
              { "type": "Split", "pattern": { "Regex": "\\d" }, "behavior": "Contiguous", "invert": true } ] }
            """);
        File.WriteAllText(Path.Combine(metaspace, "tokenizer.json"), metaspaceJson.ToJsonString());
        seeds.Add(("metaspace", metaspace));

        string codepair = Path.Combine(RepositoryRoot.Find(), "..", "shared", "models", "codepair-dev", "target");
        if (File.Exists(Path.Combine(codepair, "tokenizer.json")))
        {
            seeds.Add(("codepair", codepair));
        }

        return seeds;
    }
}
