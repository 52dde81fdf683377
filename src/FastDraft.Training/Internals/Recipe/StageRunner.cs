using FastDraft.ModelWriter;

namespace FastDraft.Training;

/// <summary>
/// Runs one training stage over a spec, with a checkpoint (resumed after an interruption) and a finished-stage file in
/// the work folder, so a rerun skips a finished stage. The finished-stage file records the run's fingerprint
/// (<see cref="StageResult.NoFingerprint"/> when the run records none), and one from another run is refused.
/// </summary>
internal sealed class StageRunner(DecoderSpec spec, StageSettings settings, string work, byte[] fingerprint, EvaluationSet evaluation, IProgress<RecipeProgress>? progress, CancellationToken cancellationToken)
{
    /// <summary>Gets the held-out bits per token reported during the last stage run here, with their elapsed training time.</summary>
    public List<(TimeSpan Elapsed, double BitsPerToken)> Curve { get; } = [];

    public StageResult? Finished(string stage) => StageResult.TryRead(Path.Combine(work, $"{stage}.params"), fingerprint);

    // fromScratch: start is a fresh start (the long warm-up), not a trained draft to fine-tune.
    public async Task<StageResult> TrainAsync(string stage, IBatchSource data, int softTopK, double learningRate, TimeSpan? budget, long? steps, float[]? start, bool fromScratch = false)
    {
        if (Finished(stage) is { } finished)
        {
            progress?.Report(new RecipeProgress(stage, $"already done ({finished.Steps} steps)", 1, TimeSpan.Zero));
            return finished;
        }

        var training = new TrainingOptions
        {
            BatchSize = settings.BatchSize,
            SequenceLength = settings.SequenceLength,
            SoftTopK = softTopK,
            LearningRate = learningRate,
            WarmupSteps = start is null || fromScratch ? 20 : 5,
            TotalSteps = (int?)steps,
            TimeBudget = budget,
            Seed = settings.Seed,
            CheckpointPath = Path.Combine(work, $"{stage}.ckpt"),
            CheckpointInterval = 50,
            EvaluationInterval = settings.EvaluationInterval,
            KlWeight = settings.KlWeight,
            IntraOpThreads = settings.Threads,
            ExecutionProvider = settings.ExecutionProvider,
            DeviceId = settings.DeviceId,
        };
        using DraftTrainer trainer = DraftTrainer.Create(spec, data, training, evaluation, start);
        Curve.Clear();
        if (settings.EvaluationInterval > 0 && trainer.Step == 0 && !File.Exists(training.CheckpointPath))
        {
            Curve.Add((TimeSpan.Zero, trainer.EvaluateBitsPerToken(evaluation)));
        }

        TrainingResult result = await trainer.RunAsync(
            new InlineProgress<TrainingProgress>(p =>
            {
                if (p.HeldOutBitsPerToken is double bits)
                {
                    Curve.Add((p.Elapsed, bits));
                }

                string evaluated = p.HeldOutBitsPerToken is double b ? $", held-out {b:F3} bits/token" : string.Empty;
                progress?.Report(new RecipeProgress(stage, $"step {p.Step}, loss {p.Loss:F3}{evaluated}, {p.TokensPerSecond:F0} tok/s, peak memory {PeakMemory.Format(PeakMemory.Bytes())}", p.Horizon is 0 or long.MaxValue ? 0 : (double)p.Step / p.Horizon, p.EstimatedRemaining));
            }),
            cancellationToken).ConfigureAwait(false);
        double finalBits = result.HeldOutBitsPerToken ?? trainer.EvaluateBitsPerToken(evaluation);
        Curve.Add((result.Elapsed, finalBits));
        var done = new StageResult(trainer.Parameters.ToArray(), result.Steps, finalBits) { TokensPerSecond = result.TokensSeen / Math.Max(result.Elapsed.TotalSeconds, 1e-9), Fingerprint = fingerprint };
        done.Write(Path.Combine(work, $"{stage}.params"));
        return done;
    }
}
