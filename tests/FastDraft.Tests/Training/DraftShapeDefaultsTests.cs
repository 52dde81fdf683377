using System.Text.Json;
using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;
using FastDraft.Tests.Infrastructure;
using FastDraft.Tests.Tool;
using FastDraft.Training;

namespace FastDraft.Tests.Training;

/// <summary>The draft's default shape follows from its target, and the recipe warns before training when the draft cannot pay for itself.</summary>
public sealed class DraftShapeDefaultsTests
{
    /// <summary>The byte-level demo target that <c>train-model</c> makes by default.</summary>
    private static readonly DecoderSpec DemoTarget = new() { Layers = 6, HiddenSize = 256, Heads = 8, KeyValueHeads = 2, IntermediateSize = 704, VocabularySize = 257, ContextLength = 512, TiedEmbeddings = true };

    public static TheoryData<int, int, int, int> Targets => new()
    {
        // layers, width, heads, vocabulary
        { 6, 256, 8, 257 },
        { 12, 768, 12, 32000 },
        { 24, 1024, 16, 50257 },
        { 32, 4096, 32, 32000 },
        { 28, 1536, 12, 151936 },
        { 2, 64, 4, 96 },
        { 2, 16, 1, 32000 },
        { 1, 40, 1, 300 },
    };

    [Fact]
    public void DefaultShapeFor_DemoTarget_GivesTodaysDefaultDraft()
    {
        DecoderSpec draft = DraftRecipeOptions.DefaultShapeFor(DemoTarget);

        Assert.Equal(DraftRecipeOptions.DefaultShape, draft);
        Assert.Equal((2, 128, 4, 1, 352), (draft.Layers, draft.HiddenSize, draft.Heads, draft.KeyValueHeads, draft.IntermediateSize));
    }

    [Fact]
    public void DefaultShapeFor_Gpt2SmallLikeTarget_HalfWidthTwoLayersHeadsOf64_AFractionOfItsSize()
    {
        var target = new DecoderSpec { Layers = 12, HiddenSize = 768, Heads = 12, KeyValueHeads = 12, IntermediateSize = 3072, VocabularySize = 32000, ContextLength = 1024, TiedEmbeddings = true };

        DecoderSpec draft = DraftRecipeOptions.DefaultShapeFor(target);

        Assert.Equal((2, 384, 6, 64, 1, 1056), (draft.Layers, draft.HiddenSize, draft.Heads, draft.EffectiveHeadSize, draft.KeyValueHeads, draft.IntermediateSize));
        Assert.True(draft.TiedEmbeddings);
        long draftParameters = (draft with { VocabularySize = target.VocabularySize }).ParameterCount;
        Assert.InRange(draftParameters / (double)target.ParameterCount, 0.05, 0.2);
    }

    [Fact]
    public void DefaultShapeFor_LargeTarget_CapsWidthAndDepth()
    {
        DecoderSpec draft = DraftRecipeOptions.DefaultShapeFor(new DecoderSpec { Layers = 32, HiddenSize = 4096, Heads = 32, KeyValueHeads = 8, IntermediateSize = 11008, VocabularySize = 32000 });

        Assert.Equal((4, 1024, 16, 1, 2816), (draft.Layers, draft.HiddenSize, draft.Heads, draft.KeyValueHeads, draft.IntermediateSize));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void DefaultShapeFor_AnyTarget_GivesATrainableDraftNoLargerThanTheTarget(int layers, int width, int heads, int vocabulary)
    {
        var target = new DecoderSpec { Layers = layers, HiddenSize = width, Heads = heads, KeyValueHeads = heads, VocabularySize = vocabulary };

        DecoderSpec draft = DraftRecipeOptions.DefaultShapeFor(target);

        Assert.InRange(draft.Layers, 1, Math.Min(4, layers));
        Assert.InRange(draft.HiddenSize, 16, Math.Min(1024, width));
        Assert.Equal(draft.HiddenSize, draft.Heads * draft.EffectiveHeadSize);
        Assert.Equal(0, draft.EffectiveHeadSize % 16); // the training graph's head size
        Assert.Equal(1, draft.KeyValueHeads);
        Assert.Equal(0, draft.IntermediateSize % 32);
        Assert.True(draft.TiedEmbeddings);
        if (width >= 256)
        {
            Assert.InRange(draft.HiddenSize, 128, 1024);
            Assert.InRange(draft.Layers, 2, 4);
        }

        (draft with { VocabularySize = vocabulary }).Validate();
    }

    [Fact]
    public void DefaultShapeFor_ModelFolder_ReadsTheShapeFromItsConfiguration()
    {
        string demo = TestModels.Folder("shape-demo-target", DemoTarget with { Seed = 3 });
        string empty = TestModels.Scratch("shape-no-config");

        Assert.Equal(DraftRecipeOptions.DefaultShape, DraftRecipeOptions.DefaultShapeFor(demo));
        Assert.Equal(DraftRecipeOptions.DefaultShapeFor(TestModels.Target), DraftRecipeOptions.DefaultShapeFor(TestModels.GqaTarget));
        Assert.Equal(DraftRecipeOptions.DefaultShape, DraftRecipeOptions.DefaultShapeFor(empty));
    }

    [Fact]
    public void DefaultShapeFor_SharedLlamaTarget_FollowsItsConfiguration()
    {
        string folder = SharedModels.Path(SharedModels.LlamaGqa);

        DecoderSpec draft = DraftRecipeOptions.DefaultShapeFor(folder);

        // A 2-layer, 16-wide random export: the draft may not outgrow it, so it gets the target's own width and depth.
        Assert.Equal((2, 16, 1, 1), (draft.Layers, draft.HiddenSize, draft.Heads, draft.KeyValueHeads));
    }

    [Theory]
    [InlineData(0.95)]
    [InlineData(0.3)]
    [InlineData(0.21)]
    public void Warnings_CostAboveTheThreshold_SayWhatTheSpeedupModelAllows(double cost)
    {
        List<string> warnings = DraftCostCheck.Warnings(cost, draftParameters: 10, targetParameters: 1000);

        string warning = Assert.Single(warnings);
        Assert.Contains(cost.ToString("F2", System.Globalization.CultureInfo.InvariantCulture), warning, StringComparison.Ordinal);
        Assert.Contains("above 0.2", warning, StringComparison.Ordinal);
        string allowed = FastDraft.Evaluation.SpeedupModel.Predicted(DraftCostCheck.Alpha, DraftCostCheck.DraftTokens, cost, 1).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(allowed + "x at most", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.2)]
    [InlineData(0.05)]
    [InlineData(null)]
    public void Warnings_CheapSmallDraft_None(double? cost)
    {
        Assert.Empty(DraftCostCheck.Warnings(cost, draftParameters: 100, targetParameters: 1000));
        Assert.Empty(DraftCostCheck.Warnings(cost, draftParameters: 100, targetParameters: null));
    }

    [Theory]
    [InlineData(500, 1000)]
    [InlineData(4000, 1000)]
    public void Warnings_DraftAtLeastHalfTheTargetsSize_WarnsWithBothCounts(long draft, long target)
    {
        string warning = Assert.Single(DraftCostCheck.Warnings(0.01, draft, target));

        Assert.Contains($"{draft:N0} parameters", warning, StringComparison.Ordinal);
        Assert.Contains($"{target:N0}", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_DraftIdenticalToTheTarget_WarnsOfItsSize_AndMeasuresC()
    {
        DecoderSpec shape = new() { Layers = 2, HiddenSize = 64, Heads = 4, KeyValueHeads = 1, IntermediateSize = 96, TiedEmbeddings = true };
        string folder = TestModels.Folder("cost-check-target", TestModels.Target with { KeyValueHeads = 1, TiedEmbeddings = true, Seed = 7 });
        var options = new DraftRecipeOptions { Target = folder, Corpus = folder, Output = TestModels.Scratch("cost-check"), Shape = shape };
        using OnnxCausalLM target = OnnxCausalLM.Load(folder);
        DecoderSpec spec = options.DraftSpec(target.Info);
        var reports = new List<RecipeProgress>();

        (double? cost, List<string> warnings) = DraftCostCheck.Run(options, target, spec, new SyncProgress<RecipeProgress>(reports.Add), TestContext.Current.CancellationToken);

        Assert.NotNull(cost); // its value is a timing: not asserted
        Assert.Contains(warnings, w => w.Contains("times the target's", StringComparison.Ordinal));
        Assert.Contains(reports, r => r.Stage == "shape" && r.Message.Contains("WARNING", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_CheckOff_CountsParametersButTimesNothing()
    {
        string folder = TestModels.Folder("cost-check-target", TestModels.Target with { KeyValueHeads = 1, TiedEmbeddings = true, Seed = 7 });
        var options = new DraftRecipeOptions { Target = folder, Corpus = folder, Output = TestModels.Scratch("cost-check"), CheckDraftCost = false };
        using OnnxCausalLM target = OnnxCausalLM.Load(folder);

        (double? cost, List<string> warnings) = DraftCostCheck.Run(options, target, options.DraftSpec(target.Info), null, TestContext.Current.CancellationToken);

        Assert.Null(cost);
        Assert.Contains(warnings, w => w.Contains("times the target's", StringComparison.Ordinal)); // the default draft of a 64-wide target is as wide
    }

    [Fact]
    public async Task Pretrain_Json_ReportsTheCostRatioAndWarnings()
    {
        string work = Path.Combine(TestModels.Scratch("cost-json"), "work");
        // The text model's own shape (2 layers, 64 wide, 4 heads): a draft as costly as its target.
        string[] shape = ["--layers", "2", "--hidden", "64", "--heads", "4", "--kv-heads", "1", "--intermediate", "96", "--batch-size", "2", "--sequence-length", "32"];

        (int exit, string stdout, string stderr) = await ToolRuns.RunAsync(["pretrain", "--target", TestModels.TextModel, "--corpus", ToolRuns.Corpus, "--work", work, "--minutes", "0.02", .. shape, "--json"]);

        Assert.True(exit == 0, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout);
        Assert.Equal(JsonValueKind.Number, json.RootElement.GetProperty("draft_cost_ratio").ValueKind);
        Assert.Contains(json.RootElement.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("times the target's", StringComparison.Ordinal));
        Assert.Equal(64, json.RootElement.GetProperty("draft_shape").GetProperty("hidden").GetInt32());
        Assert.Contains("Warning (draft shape)", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", 2, 64, 2, 192)]
    [InlineData("--layers 1", 1, 64, 2, 192)]
    [InlineData("--hidden 32 --heads 2 --intermediate 32", 2, 32, 2, 32)]
    public async Task Pretrain_ShapeOptions_OverrideTheTargetsDefaultOneSizeEach(string options, int layers, int hidden, int heads, int intermediate)
    {
        // The text model is 2 layers x 64: its default draft takes its width (2 heads x 32) and depth, SwiGLU 2.75 x 64 rounded to 192.
        string[] given = options.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string work = Path.Combine(TestModels.Scratch("shape-override"), "work");

        (int exit, string stdout, string stderr) = await ToolRuns.RunAsync(["pretrain", "--target", TestModels.TextModel, "--corpus", ToolRuns.Corpus, "--work", work, "--minutes", "0.02", "--batch-size", "2", "--sequence-length", "32", .. given, "--json"]);

        Assert.True(exit == 0, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement shape = json.RootElement.GetProperty("draft_shape");
        Assert.Equal((layers, hidden, heads, 1, intermediate), (shape.GetProperty("layers").GetInt32(), shape.GetProperty("hidden").GetInt32(), shape.GetProperty("heads").GetInt32(), shape.GetProperty("kv_heads").GetInt32(), shape.GetProperty("intermediate").GetInt32()));
    }
}
