namespace FastDraft.Training;

/// <summary>The stages of the recipe; each keeps its result in the work folder, so stages can run in separate invocations.</summary>
[Flags]
public enum RecipeStages
{
    /// <summary>No stage.</summary>
    None = 0,

    /// <summary>The target continues prompts from the training files (alignment data).</summary>
    Data = 1,

    /// <summary>Pretraining on corpus windows.</summary>
    Pretrain = 2,

    /// <summary>Alignment on the target's continuations mixed with corpus windows (needs Data and Pretrain done).</summary>
    Align = 4,

    /// <summary>The equal-compute control: as many steps as alignment took, on real data only (needs Pretrain and Align done).</summary>
    Control = 8,

    /// <summary>Export every finished draft and measure α, held-out bits and the speed-up.</summary>
    Measure = 16,

    /// <summary>Export every finished draft (the aligned one into the output folder) without measuring.</summary>
    Export = 32,

    /// <summary>The whole recipe without the control.</summary>
    All = Data | Pretrain | Align | Measure,
}
