using FastDraft.ModelWriter;
using FastDraft.Tests.Infrastructure;
using FastDraft.Tests.Tool;
using FastDraft.Training;

namespace FastDraft.Tests.Training;

public sealed class RecipeResumeTests
{
    // The uninterrupted run, once for every case.
    private static readonly Lazy<Task<DraftRecipeResult>> Whole = new(() => DraftRecipe.RunAsync(Options(Path.Combine(TestModels.Scratch("recipe-whole"), "work"))));

    private static DraftRecipeOptions Options(string work) => new()
    {
        Target = TestModels.TextModel,
        Corpus = ToolRuns.Corpus,
        Output = Path.Combine(work, "aligned"),
        WorkFolder = work,
        Stages = RecipeStages.All | RecipeStages.Control,
        StageSteps = 24,
        Shape = new DecoderSpec { Layers = 1, HiddenSize = 32, Heads = 2, KeyValueHeads = 1, IntermediateSize = 32 },
        AlignmentData = DraftRecipeOptions.DefaultAlignmentData with { Sequences = 4, PromptLength = 16, ContinuationLength = 16, TopK = 2 },
        BatchSize = 2,
        SequenceLength = 32,
        TrainingThreads = 1,
        MeasurementPrompts = 3,
        MeasurementLength = 8,
        MeasureSpeedup = false,
    };

    [Theory]
    [InlineData("data", 2)]
    [InlineData("pretrain", 3)]
    [InlineData("align", 2)]
    [InlineData("control", 4)]
    [InlineData("measure", 1)]
    public async Task StepCountRecipe_CancelledInAStageAndRunAgain_ReproducesTheUninterruptedRunsFigures(string stageToCancel, int atReport)
    {
        DraftRecipeResult whole = await Whole.Value;
        DraftRecipeOptions options = Options(Path.Combine(TestModels.Scratch("recipe-resumed"), "work"));
        using var stop = new CancellationTokenSource();
        int reports = 0;
        var cancelInStage = new SyncProgress<RecipeProgress>(p =>
        {
            if (p.Stage == stageToCancel && ++reports == atReport)
            {
                stop.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DraftRecipe.RunAsync(options, cancelInStage, stop.Token));
        DraftRecipeResult resumed = await DraftRecipe.RunAsync(options);

        Assert.Equal(whole.AlignmentSequences, resumed.AlignmentSequences);
        Assert.Equal(whole.Drafts.Select(d => d.Name), resumed.Drafts.Select(d => d.Name));
        for (int i = 0; i < whole.Drafts.Count; i++)
        {
            Assert.Equal(whole.Drafts[i].HeldOutBitsPerToken, resumed.Drafts[i].HeldOutBitsPerToken);
            Assert.Equal(whole.Drafts[i].Alpha.Alpha, resumed.Drafts[i].Alpha.Alpha);
            Assert.Equal(whole.Drafts[i].Alpha.ByContextPosition, resumed.Drafts[i].Alpha.ByContextPosition);
        }

        Assert.Equal(File.ReadAllBytes(Path.Combine(whole.Drafts[1].Folder, "model.onnx.data")), File.ReadAllBytes(Path.Combine(resumed.Drafts[1].Folder, "model.onnx.data")));
    }
}
