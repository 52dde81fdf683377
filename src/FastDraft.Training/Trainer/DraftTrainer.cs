using FastDraft.ModelWriter;
using FastDraft.Training.Graph;
using System.Diagnostics;
using System.Numerics.Tensors;

namespace FastDraft.Training;

/// <summary>
/// Trains a decoder's flat parameter buffer with AdamW: each optimizer step fills
/// <see cref="TrainingOptions.AccumulationSteps"/> micro-batches from the batch source, combines their gradients
/// (weighted by counted positions, so the step's gradient is that of the mean loss over all of them), clips the
/// global norm, and applies the scheduled learning rate.
/// </summary>
/// <remarks>
/// A trainer owns its gradient source and disposes it. One run at a time; not thread-safe. A step allocates
/// no managed memory (checkpoints and evaluations aside, which allocate a bounded amount).
/// </remarks>
public sealed class DraftTrainer : IDisposable
{
    private const int CalibrationSteps = 10;
    private const int RecalibrationInterval = 25;
    private readonly IGradientSource _source;
    private readonly IBatchSource _data;
    private readonly EvaluationSet? _heldOut;
    private readonly float[] _parameters;
    private readonly float[] _gradients;
    private readonly float[] _accumulator;
    private readonly AdamW _optimizer;
    private readonly TrainingBatch _batch;
    private readonly ulong _fingerprint;
    private long _step;
    private long _horizon;
    private long _tokensSeen;
    private double _elapsedSeconds;
    private bool _checkpointConsidered;
    private int _running;
    private bool _disposed;

    /// <summary>Creates a trainer over a gradient source; parameters start from <paramref name="initialParameters"/> or the seeded initialisation.</summary>
    internal DraftTrainer(IGradientSource source, IBatchSource data, TrainingOptions options, EvaluationSet? heldOut = null, ReadOnlySpan<float> initialParameters = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (data.SequenceLength != options.SequenceLength)
        {
            throw new ArgumentException($"The batch source produces sequences of {data.SequenceLength} tokens; the options ask for {options.SequenceLength}.", nameof(data));
        }

        if (heldOut is not null && heldOut.SequenceLength != options.SequenceLength)
        {
            throw new ArgumentException($"The evaluation windows have {heldOut.SequenceLength} tokens; the options ask for {options.SequenceLength}.", nameof(heldOut));
        }

        if (options.EvaluationInterval > 0 && heldOut is null)
        {
            throw new ArgumentException($"{nameof(TrainingOptions.EvaluationInterval)} is set but no evaluation set was given.", nameof(heldOut));
        }

        Layout = source.Layout;
        Options = options;
        _source = source;
        _data = data;
        _heldOut = heldOut;
        _optimizer = new AdamW(Layout, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay);
        _parameters = new float[Layout.TotalCount];
        _gradients = new float[Layout.TotalCount];
        _accumulator = options.AccumulationSteps > 1 ? new float[Layout.TotalCount] : [];
        _batch = new TrainingBatch(options.BatchSize, options.SequenceLength, options.SoftTopK);
        _fingerprint = options.Fingerprint(Layout);
        _horizon = options.TotalSteps ?? long.MaxValue;
        if (initialParameters.IsEmpty)
        {
            ParameterInitializer.Initialize(Layout, _parameters, options.Seed, options.InitialStandardDeviation);
        }
        else if (initialParameters.Length != _parameters.Length)
        {
            throw new ArgumentException($"Got {initialParameters.Length} initial parameters; the layout has {_parameters.Length}.", nameof(initialParameters));
        }
        else
        {
            initialParameters.CopyTo(_parameters);
        }

        _source.Bind(_parameters, _gradients);
    }

    /// <summary>Creates a trainer for a Llama-style decoder whose loss and gradients come from its ONNX Runtime training graph.</summary>
    /// <param name="spec">The decoder (vocabulary, shape, tied or untied head); its weights are what is trained.</param>
    /// <param name="data">The training rows; their length must be <see cref="TrainingOptions.SequenceLength"/>.</param>
    /// <param name="options">The optimizer, schedule, batch and checkpoint settings.</param>
    /// <param name="heldOut">Held-out windows for <see cref="EvaluateBitsPerToken"/> and <see cref="TrainingOptions.EvaluationInterval"/>; optional.</param>
    /// <param name="initialParameters">Parameters to start from (in <see cref="Layout"/> order), for example a previous stage's; empty for the seeded initialisation.</param>
    /// <returns>The trainer, owning its ONNX Runtime session.</returns>
    /// <exception cref="ArgumentException">The spec, options or sources are inconsistent.</exception>
    public static DraftTrainer Create(DecoderSpec spec, IBatchSource data, TrainingOptions options, EvaluationSet? heldOut = null, ReadOnlyMemory<float> initialParameters = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        return Create(
            () => OnnxGradientSource.Create(spec, new OnnxGradientSourceOptions
            {
                Graph = new TrainingGraphOptions { BatchSize = options.BatchSize, SequenceLength = options.SequenceLength, SoftTopK = options.SoftTopK },
                KlWeight = options.KlWeight,
                IntraOpThreads = options.IntraOpThreads,
                ExecutionProvider = options.ExecutionProvider,
                DeviceId = options.DeviceId,
            }),
            data,
            options,
            heldOut,
            initialParameters);
    }

    /// <summary>
    /// Creates a trainer, checking the options before the (possibly expensive) gradient source is built, and
    /// disposing the source if the trainer cannot be created.
    /// </summary>
    internal static DraftTrainer Create(Func<IGradientSource> sourceFactory, IBatchSource data, TrainingOptions options, EvaluationSet? heldOut = null, ReadOnlyMemory<float> initialParameters = default)
    {
        ArgumentNullException.ThrowIfNull(sourceFactory);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        IGradientSource source = sourceFactory();
        try
        {
            return new DraftTrainer(source, data, options, heldOut, initialParameters.Span);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>Gets the trained tensors' layout in <see cref="Parameters"/>.</summary>
    public ParameterLayout Layout { get; }

    /// <summary>Gets the options.</summary>
    public TrainingOptions Options { get; }

    /// <summary>Gets the optimizer steps completed.</summary>
    public long Step => _step;

    /// <summary>Gets the current parameters (live: they change while a run is in progress).</summary>
    public ReadOnlyMemory<float> Parameters => _parameters;

    /// <summary>
    /// Trains until the schedule's last step or the time budget, resuming from <see cref="TrainingOptions.CheckpointPath"/>
    /// first when it exists and <see cref="TrainingOptions.ResumeFromCheckpoint"/> is set.
    /// </summary>
    /// <param name="progress">Receives a report after every optimizer step (called on the training thread).</param>
    /// <param name="cancellationToken">Stops the run between steps.</param>
    /// <returns>The run's outcome; a checkpoint is written at its end when a path is set.</returns>
    /// <remarks>
    /// The loop runs on a dedicated thread (it is CPU-bound work that would otherwise hold a pool thread for the
    /// whole run). On cancellation it writes a checkpoint (when a path is set) and then throws
    /// <see cref="OperationCanceledException"/>; running again resumes exactly where it stopped.
    /// </remarks>
    /// <exception cref="InvalidCheckpointException">The checkpoint to resume from is damaged or belongs to another run.</exception>
    /// <exception cref="InvalidOperationException">A run is already in progress, or a gradient is not finite.</exception>
    public Task<TrainingResult> RunAsync(IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            throw new InvalidOperationException("The trainer is already running.");
        }

        return Task.Factory.StartNew(
            () =>
            {
                try
                {
                    return Run(progress, cancellationToken);
                }
                finally
                {
                    Volatile.Write(ref _running, 0);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    /// <summary>Measures held-out cross-entropy in bits per token with the current parameters.</summary>
    /// <param name="heldOut">The evaluation windows (their length must equal <see cref="TrainingOptions.SequenceLength"/>).</param>
    /// <returns>Bits per counted token.</returns>
    public double EvaluateBitsPerToken(EvaluationSet heldOut)
    {
        ArgumentNullException.ThrowIfNull(heldOut);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Volatile.Read(ref _running) == 1)
        {
            throw new InvalidOperationException("Evaluate between runs, not during one.");
        }

        return heldOut.BitsPerToken(_source, _batch);
    }

    /// <summary>Disposes the gradient source.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _source.Dispose();
        }
    }

    /// <summary>Writes a checkpoint of the current state to <see cref="TrainingOptions.CheckpointPath"/>.</summary>
    internal void SaveCheckpoint()
    {
        if (Options.CheckpointPath is { } path)
        {
            // A time-budgeted run that has not fixed its horizon yet stores long.MaxValue, and so keeps calibrating after a resume.
            var header = new CheckpointHeader(_fingerprint, _step, _horizon, _tokensSeen, _elapsedSeconds);
            CheckpointFile.Write(path, header, _parameters, _optimizer.FirstMoment, _optimizer.SecondMoment, _data.SaveState());
        }
    }

    private TrainingResult Run(IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        if (!_checkpointConsidered)
        {
            // Only a successful load (or no file) settles this: after a damaged checkpoint, a second run must not start afresh and overwrite it.
            if (Options is { CheckpointPath: { } path, ResumeFromCheckpoint: true } && File.Exists(path))
            {
                LoadCheckpoint(path);
            }

            _checkpointConsidered = true;
        }

        long started = Stopwatch.GetTimestamp();
        double elapsedBefore = _elapsedSeconds;
        long stepsBefore = _step;
        long tokensBefore = _tokensSeen;
        double loss = double.NaN;
        double? bits = null;
        TrainingStopReason reason;
        while (true)
        {
            double runSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            _elapsedSeconds = elapsedBefore + runSeconds;
            if (_step >= _horizon)
            {
                reason = TrainingStopReason.Completed;
                break;
            }

            if (Options.TimeBudget is { } budget && _elapsedSeconds >= budget.TotalSeconds)
            {
                reason = TrainingStopReason.TimeBudgetReached;
                break;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                SaveCheckpoint();
                cancellationToken.ThrowIfCancellationRequested();
            }

            double learningRate = Schedule().At(_step + 1);
            loss = TrainStep(learningRate, out double gradientNorm);
            runSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            _elapsedSeconds = elapsedBefore + runSeconds;
            if (Options.TotalSteps is null && _step - stepsBefore >= CalibrationSteps && _step >= Options.WarmupSteps
                && (_horizon == long.MaxValue || (_step - stepsBefore) % RecalibrationInterval == 0))
            {
                // A time-budgeted run sets its horizon from the measured step time so that the cosine reaches its floor
                // as the budget ends, and corrects it now and then: step times change as the machine gets busier or quieter.
                double perStep = Math.Max(runSeconds / (_step - stepsBefore), 1e-9);
                double left = Options.TimeBudget!.Value.TotalSeconds - _elapsedSeconds;
                _horizon = _step + (long)Math.Clamp(left / perStep, 1, int.MaxValue);
            }

            bits = null;
            if (Options.EvaluationInterval > 0 && _step % Options.EvaluationInterval == 0)
            {
                bits = _heldOut!.BitsPerToken(_source, _batch);
            }

            if (Options.CheckpointInterval > 0 && _step % Options.CheckpointInterval == 0)
            {
                SaveCheckpoint();
            }

            if (progress is not null)
            {
                double tokensPerSecond = runSeconds > 0 ? (_tokensSeen - tokensBefore) / runSeconds : 0;
                double remaining = _horizon == long.MaxValue ? 0 : (_horizon - _step) * runSeconds / (_step - stepsBefore);
                if (Options.TimeBudget is { } limit)
                {
                    remaining = _horizon == long.MaxValue ? limit.TotalSeconds - _elapsedSeconds : Math.Min(remaining, limit.TotalSeconds - _elapsedSeconds);
                }

                progress.Report(new TrainingProgress(
                    _step,
                    _horizon == long.MaxValue ? 0 : _horizon,
                    loss,
                    learningRate,
                    gradientNorm,
                    tokensPerSecond,
                    TimeSpan.FromSeconds(_elapsedSeconds),
                    TimeSpan.FromSeconds(Math.Max(0, remaining)),
                    bits));
            }
        }

        if (_heldOut is not null && bits is null)
        {
            bits = _heldOut.BitsPerToken(_source, _batch);
        }

        SaveCheckpoint();
        return new TrainingResult(_step, loss, bits, _tokensSeen, TimeSpan.FromSeconds(_elapsedSeconds), reason);
    }

    private LearningRateSchedule Schedule() =>
        new(Options.LearningRate, Options.LearningRate * Options.MinLearningRateRatio, Options.WarmupSteps, _horizon);

    private double TrainStep(double learningRate, out double gradientNorm)
    {
        int micro = Options.AccumulationSteps;
        double lossSum = 0;
        double weightSum = 0;
        for (int m = 0; m < micro; m++)
        {
            _data.Fill(_batch);
            LossParts parts = _source.Compute(_batch);
            if (micro > 1)
            {
                GradientMath.Accumulate(_gradients, (float)parts.CountedPositions, _accumulator, first: m == 0);
            }

            lossSum += parts.Loss * parts.CountedPositions;
            weightSum += parts.CountedPositions;
        }

        Span<float> gradient = micro > 1 ? _accumulator : _gradients;
        if (micro > 1)
        {
            GradientMath.Finish(gradient, weightSum);
        }

        gradientNorm = Options.GradientClipNorm is { } clip ? GradientMath.ClipGlobalNorm(gradient, clip) : TensorPrimitives.Norm<float>(gradient);
        if (!double.IsFinite(gradientNorm))
        {
            throw new InvalidOperationException($"The gradient at step {_step + 1} is not finite (norm {gradientNorm}); lower the learning rate or check the data.");
        }

        _optimizer.Step(_parameters, gradient, learningRate, _step + 1);
        _step++;
        _tokensSeen += (long)micro * Options.BatchSize * Options.SequenceLength;
        return weightSum > 0 ? lossSum / weightSum : double.NaN;
    }

    private void LoadCheckpoint(string path)
    {
        CheckpointHeader header = CheckpointFile.Read(path, _fingerprint, _parameters, _optimizer.FirstMoment, _optimizer.SecondMoment, out byte[] dataState);
        try
        {
            _data.RestoreState(dataState);
        }
        catch (InvalidDataException exception)
        {
            throw new InvalidCheckpointException(path, $"its data position does not fit this batch source ({exception.Message})", exception);
        }

        _step = header.Step;
        _horizon = header.Horizon;
        _tokensSeen = header.TokensSeen;
        _elapsedSeconds = header.ElapsedSeconds;
    }
}
