using System.Numerics.Tensors;
using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime.Internals;
using Microsoft.ML.OnnxRuntime;

namespace FastDraft.Training.Graph;

/// <summary>
/// Computes losses and gradients by running the training graph of a <see cref="DecoderSpec"/> on ONNX Runtime (the CPU
/// provider by default), reading parameters from and writing gradients into caller-owned flat buffers without copies.
/// </summary>
/// <remarks>
/// <para>
/// Ownership: the source owns its session, I/O binding and every <see cref="OrtValue"/> (the ones over the caller's
/// buffers pin those buffers until <see cref="Dispose"/>); the caller keeps owning the buffers. A temporary graph folder
/// is deleted on dispose. Not thread-safe: one <see cref="Compute"/> at a time.
/// </para>
/// <para>
/// Each step copies the batch into pinned input arrays bound once, runs the bound session and reads three scalars:
/// no managed allocation per step beyond what ONNX Runtime's managed run call itself makes. A trimmed head's batch is
/// mapped to head columns on that copy (<see cref="HeadVocabulary"/>).
/// </para>
/// <para>
/// On CUDA or DirectML the buffers are still host memory bound as they are on the CPU: ONNX Runtime copies the
/// parameters and the batch to the device and the gradients back on every run, because the optimizer (AdamW, clipping,
/// accumulation) runs on the host. Keeping parameters and optimizer state on the device needs the optimizer as a graph
/// too; not done.
/// </para>
/// </remarks>
internal sealed class OnnxGradientSource : IGradientSource
{
    private readonly TrainingGraphOptions _graph;
    private readonly string? _temporaryDirectory;
    private readonly InferenceSession _session;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions = new();
    private readonly List<OrtValue> _values = [];
    private readonly long[] _inputIds;
    private readonly long[] _targetIds;
    private readonly float[] _lossMask;
    private readonly long[] _softIds;
    private readonly float[] _softProbabilities;
    private readonly float[] _klWeight = new float[1];
    private readonly float[] _losses = new float[3];
    private readonly HeadVocabulary? _head;
    private bool _bound;
    private bool _disposed;

    private OnnxGradientSource(DecoderSpec spec, OnnxGradientSourceOptions options)
    {
        _graph = options.Graph;
        Layout = DecoderParameters.Layout(spec);
        _head = HeadVocabulary.For(spec);
        string directory = options.Directory ?? (_temporaryDirectory = System.IO.Directory.CreateTempSubdirectory("fastdraft-training-").FullName);
        string path = Path.Combine(directory, "training.onnx");
        TrainingGraphWriter.Write(spec, _graph, path);

        try
        {
            _session = CreateSession(options, path);
        }
        catch
        {
            // A provider this build lacks fails here: nothing else to dispose, and the graph's temporary folder goes.
            _runOptions.Dispose();
            DeleteTemporaryDirectory();
            throw;
        }

        _binding = _session.CreateIoBinding();
        try
        {
            (_inputIds, _targetIds, _lossMask, _softIds, _softProbabilities) = BindBatchAndLosses(options.KlWeight);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public ParameterLayout Layout { get; }

    /// <summary>Writes the training graph for <paramref name="spec"/> and loads it.</summary>
    /// <exception cref="ArgumentException">The spec or options are inconsistent (float64 graphs are for tests and not run here).</exception>
    public static OnnxGradientSource Create(DecoderSpec spec, OnnxGradientSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Graph.DoublePrecision || options.Graph.OutputLogits)
        {
            throw new ArgumentException("The gradient source runs float32 graphs without a logits output.", nameof(options));
        }

        return new OnnxGradientSource(spec, options);
    }

    /// <inheritdoc/>
    public void Bind(float[] parameters, float[] gradients)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(gradients);
        ArgumentOutOfRangeException.ThrowIfNotEqual(parameters.LongLength, Layout.TotalCount, nameof(parameters));
        ArgumentOutOfRangeException.ThrowIfNotEqual(gradients.LongLength, Layout.TotalCount, nameof(gradients));
        if (_bound)
        {
            throw new InvalidOperationException("The buffers are bound once per source.");
        }

        foreach (ParameterTensor tensor in Layout.Tensors)
        {
            long[] shape = Array.ConvertAll(tensor.Shape, d => (long)d);
            _binding.BindInput(tensor.Name, Track(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(parameters, (int)tensor.Offset, (int)tensor.Count), shape)));
            _binding.BindOutput(TrainingGraphWriter.GradientName(tensor.Name), Track(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(gradients, (int)tensor.Offset, (int)tensor.Count), shape)));
        }

        _bound = true;
    }

    /// <inheritdoc/>
    public LossParts Compute(TrainingBatch batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(batch);
        if (!_bound)
        {
            throw new InvalidOperationException("Bind the parameter and gradient buffers first.");
        }

        if (batch.BatchSize != _graph.BatchSize || batch.SequenceLength != _graph.SequenceLength || batch.SoftTopK != _graph.SoftTopK)
        {
            throw new ArgumentException(
                $"The batch is {batch.BatchSize}×{batch.SequenceLength} (top-{batch.SoftTopK}); the graph takes {_graph.BatchSize}×{_graph.SequenceLength} (top-{_graph.SoftTopK}).", nameof(batch));
        }

        batch.InputIds.CopyTo(_inputIds, 0);
        if (_head is null)
        {
            batch.TargetIds.CopyTo(_targetIds, 0);
            batch.LossMask.CopyTo(_lossMask, 0);
            batch.SoftIds.CopyTo(_softIds, 0);
            batch.SoftProbabilities.CopyTo(_softProbabilities, 0);
        }
        else
        {
            _head.Map(batch, _targetIds, _lossMask, _softIds, _softProbabilities);
        }

        _session.RunWithBinding(_runOptions, _binding);
        return new LossParts(_losses[0], _losses[1], _losses[2], TensorPrimitives.Sum<float>(_lossMask));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _binding.Dispose();
        foreach (OrtValue value in _values)
        {
            value.Dispose();
        }

        _session.Dispose();
        _runOptions.Dispose();
        DeleteTemporaryDirectory();
    }

    private static InferenceSession CreateSession(OnnxGradientSourceOptions options, string path)
    {
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = options.OptimizationLevel,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,

            // No memory pattern: after the first run it would allocate one block for the whole plan beside the arena the
            // first run filled, which kept both (default draft, 4,096 tokens, V = 32,000: 2.1 GiB peak instead of 1.2 GiB),
            // and measured no faster.
            EnableMemoryPattern = false,
        };
        // Always set: ONNX Runtime's own default counted one core of two on a 2-core virtual machine.
        sessionOptions.IntraOpNumThreads = options.IntraOpThreads ?? FastDraft.OnnxRuntime.OnnxModelOptions.DefaultIntraOpThreads;

        // The one mapping from provider to session options, shared with inference; a build without the provider fails
        // here with a message that names the package carrying it.
        SessionOptionsFactory.AppendExecutionProvider(sessionOptions, options.ExecutionProvider, options.DeviceId, path);

        options.ConfigureSession?.Invoke(sessionOptions);
        return new InferenceSession(path, sessionOptions);
    }

    /// <summary>Binds the batch inputs (arrays the source owns, refilled each step) and the three loss outputs.</summary>
    private (long[] InputIds, long[] TargetIds, float[] LossMask, long[] SoftIds, float[] SoftProbabilities) BindBatchAndLosses(float klWeight)
    {
        int n = _graph.BatchSize * _graph.SequenceLength;
        int k = _graph.SoftTopK;
        var inputIds = new long[n];
        var targetIds = new long[n];
        var lossMask = new float[n];
        var softIds = new long[n * k];
        var softProbabilities = new float[n * k];
        _klWeight[0] = klWeight;
        long[] tokens = [_graph.BatchSize, _graph.SequenceLength];
        BindInput(TrainingGraphWriter.InputIds, inputIds, tokens);
        BindInput(TrainingGraphWriter.TargetIds, targetIds, tokens);
        BindInput(TrainingGraphWriter.LossMask, lossMask, tokens);
        if (k > 0)
        {
            BindInput(TrainingGraphWriter.SoftIds, softIds, [_graph.BatchSize, _graph.SequenceLength, k]);
            BindInput(TrainingGraphWriter.SoftProbs, softProbabilities, [_graph.BatchSize, _graph.SequenceLength, k]);
            BindInput(TrainingGraphWriter.KlWeight, _klWeight, []);
        }

        BindOutput(TrainingGraphWriter.Loss, new Memory<float>(_losses, 0, 1));
        BindOutput(TrainingGraphWriter.CrossEntropy, new Memory<float>(_losses, 1, 1));
        BindOutput(TrainingGraphWriter.KullbackLeibler, new Memory<float>(_losses, 2, 1));
        return (inputIds, targetIds, lossMask, softIds, softProbabilities);
    }

    private void DeleteTemporaryDirectory()
    {
        if (_temporaryDirectory is not null)
        {
            try
            {
                System.IO.Directory.Delete(_temporaryDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temporary folder is harmless.
            }
        }
    }

    private void BindInput<T>(string name, T[] buffer, long[] shape)
        where T : unmanaged =>
        _binding.BindInput(name, Track(OrtValue.CreateTensorValueFromMemory(buffer, shape)));

    private void BindOutput(string name, Memory<float> buffer) =>
        _binding.BindOutput(name, Track(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer, [])));

    private OrtValue Track(OrtValue value)
    {
        _values.Add(value);
        return value;
    }
}
