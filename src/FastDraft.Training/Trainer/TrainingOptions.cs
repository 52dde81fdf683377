using System.Globalization;
using System.Text;
using FastDraft.OnnxRuntime;

namespace FastDraft.Training;

/// <summary>
/// How a <see cref="DraftTrainer"/> trains: batch shape, AdamW and its schedule (linear warm-up, cosine decay to a
/// floor), clipping, accumulation, seed, and when to evaluate and checkpoint.
/// </summary>
/// <remarks>
/// Immutable; change with <c>with</c>. Checked when a trainer is created. The options that shape the run's
/// trajectory (everything except the checkpoint, evaluation and time settings) are hashed into each checkpoint,
/// and a checkpoint is only resumed by a run with the same hash.
/// </remarks>
public sealed record TrainingOptions
{
    /// <summary>Gets the sequences per micro-batch. Default 8.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Gets the tokens per sequence. Default 256.</summary>
    public int SequenceLength { get; init; } = 256;

    /// <summary>Gets the teacher entries per position for a distillation loss (0: none). Default 0.</summary>
    public int SoftTopK { get; init; }

    /// <summary>Gets the micro-batches whose gradients are combined into one optimizer step. Default 1.</summary>
    public int AccumulationSteps { get; init; } = 1;

    /// <summary>Gets the peak learning rate, reached at the end of warm-up. Default 1e-3.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Gets the floor the cosine decays to, as a fraction of <see cref="LearningRate"/>, in [0, 1]. Default 0.1.</summary>
    public double MinLearningRateRatio { get; init; } = 0.1;

    /// <summary>Gets the optimizer steps of linear warm-up from 0 to the peak. Default 100.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>
    /// Gets the optimizer steps to train (the schedule's horizon). Set, the run is reproducible: run again, or stopped and
    /// resumed from its checkpoint, it gives the same losses and parameters bit for bit (same machine and
    /// <see cref="IntraOpThreads"/>). When <see langword="null"/>, <see cref="TimeBudget"/> must be set and the horizon is
    /// estimated from the measured step time once the run is past warm-up and 10 steps in, then re-estimated every 25
    /// steps (and checkpointed), so that the schedule ends as the budget runs out; the learning rates then depend on
    /// wall-clock timings, and such a run is neither reproducible nor identical after a resume.
    /// </summary>
    public int? TotalSteps { get; init; }

    /// <summary>
    /// Gets the training time after which the run stops with a checkpoint, counted over every resume of the run
    /// (<see langword="null"/>: no limit). The stopping step depends on the machine's speed. With <see cref="TotalSteps"/>
    /// set, the losses per step do not; without it, the schedule itself follows the measured step times (see
    /// <see cref="TotalSteps"/>).
    /// </summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>Gets AdamW's decoupled weight decay, applied to the tensors whose <see cref="ParameterTensor.WeightDecay"/> is set. Default 0.1.</summary>
    public double WeightDecay { get; init; } = 0.1;

    /// <summary>Gets AdamW's first-moment decay β₁, in [0, 1). Default 0.9.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Gets AdamW's second-moment decay β₂, in [0, 1). Default 0.95.</summary>
    public double Beta2 { get; init; } = 0.95;

    /// <summary>Gets AdamW's ε, added to the denominator. Default 1e-8.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Gets the global gradient norm above which gradients are scaled down (<see langword="null"/>: no clipping). Default 1.</summary>
    public double? GradientClipNorm { get; init; } = 1.0;

    /// <summary>Gets the seed of the initial parameters. Data order is seeded by the batch source. Default 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>Gets the standard deviation of initial weights (centered uniform; norm gains start at 1). Default 0.02.</summary>
    public double InitialStandardDeviation { get; init; } = 0.02;

    /// <summary>Gets the checkpoint file (<see langword="null"/>: no checkpoints). Written atomically at each interval, at the end, and on cancellation.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Gets the optimizer steps between checkpoints (0: only at the end and on cancellation). Default 0.</summary>
    public int CheckpointInterval { get; init; }

    /// <summary>Gets a value indicating whether a run continues from <see cref="CheckpointPath"/> when that file exists. Default <see langword="true"/>.</summary>
    public bool ResumeFromCheckpoint { get; init; } = true;

    /// <summary>Gets the optimizer steps between held-out evaluations (0: never; needs an evaluation set). Default 0.</summary>
    public int EvaluationInterval { get; init; }

    /// <summary>Gets the weight of the KL term towards the soft targets when <see cref="SoftTopK"/> &gt; 0; default 1.</summary>
    public float KlWeight { get; init; } = 1f;

    /// <summary>Gets ONNX Runtime's intra-op threads for the training graph; <see langword="null"/> (default) for every processor available to the process.</summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>
    /// Gets the ONNX Runtime execution provider the training graph runs on; default <see cref="FastDraft.OnnxRuntime.ExecutionProvider.Cpu"/>.
    /// CUDA and DirectML need ONNX Runtime's matching build (see <see cref="FastDraft.OnnxRuntime.ExecutionProvider"/>); creating the trainer
    /// without it throws <see cref="ModelNotSupportedException"/> naming the package. The optimizer runs on the host, so the
    /// parameters and gradients cross to and from the device every step. Not part of the checkpoint's hash: a run may be
    /// resumed on another provider (its figures then differ in the last bits).
    /// </summary>
    public ExecutionProvider ExecutionProvider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>Gets the device index for CUDA or DirectML; default 0.</summary>
    public int DeviceId { get; init; }

    /// <summary>Throws when an option is out of range, naming it.</summary>
    internal void Validate()
    {
        Positive(BatchSize, nameof(BatchSize));
        Positive(SequenceLength, nameof(SequenceLength));
        Positive(AccumulationSteps, nameof(AccumulationSteps));
        if (SoftTopK < 0)
        {
            Fail(nameof(SoftTopK), SoftTopK, "must be 0 or more");
        }

        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
        {
            Fail(nameof(LearningRate), LearningRate, "must be positive and finite");
        }

        if (!(MinLearningRateRatio >= 0 && MinLearningRateRatio <= 1))
        {
            Fail(nameof(MinLearningRateRatio), MinLearningRateRatio, "must be in [0, 1]");
        }

        if (WarmupSteps < 0)
        {
            Fail(nameof(WarmupSteps), WarmupSteps, "must be 0 or more");
        }

        if (TotalSteps is null && TimeBudget is null)
        {
            throw new ArgumentException($"Set {nameof(TotalSteps)}, {nameof(TimeBudget)} or both: a run needs an end.");
        }

        if (TotalSteps is { } total && (total < 1 || total < WarmupSteps))
        {
            Fail(nameof(TotalSteps), total, $"must be at least 1 and at least {nameof(WarmupSteps)} ({WarmupSteps})");
        }

        if (TimeBudget is { } budget && budget <= TimeSpan.Zero)
        {
            Fail(nameof(TimeBudget), budget, "must be positive");
        }

        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay))
        {
            Fail(nameof(WeightDecay), WeightDecay, "must be 0 or more and finite");
        }

        if (!(Beta1 >= 0 && Beta1 < 1))
        {
            Fail(nameof(Beta1), Beta1, "must be in [0, 1)");
        }

        if (!(Beta2 >= 0 && Beta2 < 1))
        {
            Fail(nameof(Beta2), Beta2, "must be in [0, 1)");
        }

        if (!(Epsilon > 0) || double.IsInfinity(Epsilon))
        {
            Fail(nameof(Epsilon), Epsilon, "must be positive and finite");
        }

        if (GradientClipNorm is { } clip && (!(clip > 0) || double.IsInfinity(clip)))
        {
            Fail(nameof(GradientClipNorm), clip, "must be positive and finite, or null for no clipping");
        }

        if (!(InitialStandardDeviation >= 0) || double.IsInfinity(InitialStandardDeviation))
        {
            Fail(nameof(InitialStandardDeviation), InitialStandardDeviation, "must be 0 or more and finite");
        }

        if (CheckpointPath is not null && string.IsNullOrWhiteSpace(CheckpointPath))
        {
            throw new ArgumentException($"{nameof(CheckpointPath)} must be null or a path.");
        }

        if (CheckpointInterval < 0 || (CheckpointInterval > 0 && CheckpointPath is null))
        {
            Fail(nameof(CheckpointInterval), CheckpointInterval, $"must be 0 or more, and 0 without a {nameof(CheckpointPath)}");
        }

        if (EvaluationInterval < 0)
        {
            Fail(nameof(EvaluationInterval), EvaluationInterval, "must be 0 or more");
        }

        if (!Enum.IsDefined(ExecutionProvider))
        {
            Fail(nameof(ExecutionProvider), ExecutionProvider, "must be a defined provider");
        }

        if (DeviceId < 0)
        {
            Fail(nameof(DeviceId), DeviceId, "must be 0 or more");
        }
    }

    /// <summary>FNV-1a over the layout and the options that shape the trajectory, in an invariant text form.</summary>
    internal ulong Fingerprint(ParameterLayout layout)
    {
        var text = new StringBuilder();
        foreach (ParameterTensor tensor in layout.Tensors)
        {
            text.Append(CultureInfo.InvariantCulture, $"{tensor.Name}[{string.Join(',', tensor.Shape)}]@{tensor.Offset}{(tensor.WeightDecay ? 'd' : 'n')};");
        }

        text.Append(CultureInfo.InvariantCulture, $"B{BatchSize};T{SequenceLength};K{SoftTopK};A{AccumulationSteps};");
        text.Append(CultureInfo.InvariantCulture, $"lr{LearningRate:R};min{MinLearningRateRatio:R};warm{WarmupSteps};total{TotalSteps};");
        text.Append(CultureInfo.InvariantCulture, $"wd{WeightDecay:R};b1{Beta1:R};b2{Beta2:R};eps{Epsilon:R};clip{GradientClipNorm:R};seed{Seed};init{InitialStandardDeviation:R};kl{KlWeight:R}");
        return SplitMix64.StreamHash(text.ToString()); // FNV-1a; the text is ASCII, so checkpoints written before keep their hash
    }

    private static void Positive(int value, string name)
    {
        if (value < 1)
        {
            Fail(name, value, "must be at least 1");
        }
    }

    private static void Fail(string name, object value, string rule) =>
        throw new ArgumentOutOfRangeException(name, value, $"{name} {rule}; got {Convert.ToString(value, CultureInfo.InvariantCulture)}.");
}
