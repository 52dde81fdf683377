using System.Globalization;
using FastDraft.Evaluation;
using FastDraft.ModelWriter;
using FastDraft.OnnxRuntime;
using FastDraft.Training.Graph;

namespace FastDraft.Training;

/// <summary>
/// Before the budget is spent: times one step of an untrained draft of the chosen shape against one step of the target
/// (c of the speed-up model), and compares their sizes, so a draft that cannot pay for itself is reported up front.
/// </summary>
internal static class DraftCostCheck
{
    /// <summary>Draft tokens per round the warning's arithmetic assumes (the generator's usual K).</summary>
    internal const int DraftTokens = 4;

    /// <summary>The acceptance rate the warning's arithmetic assumes (a well-aligned draft).</summary>
    internal const double Alpha = 0.8;

    /// <summary>Cached tokens before the timed steps: a short prompt's worth, as decoding meets it.</summary>
    private const int Context = 128;

    /// <summary>
    /// Runs the check for the recipe's draft: times it (when <see cref="DraftRecipeOptions.CheckDraftCost"/> is set), counts
    /// both models' parameters, and reports the shape, c and any warning as one progress line (stage <c>shape</c>).
    /// </summary>
    /// <returns>c (<see langword="null"/> when not timed) and the warnings.</returns>
    public static (double? CostRatio, List<string> Warnings) Run(DraftRecipeOptions options, ITargetModel target, DecoderSpec spec, IProgress<RecipeProgress>? progress, CancellationToken cancellationToken)
    {
        string shape = string.Create(CultureInfo.InvariantCulture, $"draft {spec.Layers} layers x {spec.HiddenSize}, {spec.Heads} heads x {spec.EffectiveHeadSize}, {spec.KeyValueHeads} kv, SwiGLU {spec.IntermediateSize}, {spec.ParameterCount:N0} parameters");
        double? ratio = null;
        if (options.CheckDraftCost)
        {
            progress?.Report(new RecipeProgress("shape", shape + ": timing a draft step against a target step", 0, TimeSpan.Zero));
            ratio = MeasureCostRatio(target, spec, options.InferenceModelOptions, cancellationToken);
        }

        List<string> warnings = Warnings(ratio, spec.ParameterCount, TargetParameters(options.Target, TargetShape.Read(options.Target)));
        string cost = ratio is { } c ? string.Create(CultureInfo.InvariantCulture, $"; step cost c = {c:F3} of the target's") : string.Empty;
        progress?.Report(new RecipeProgress("shape", shape + cost + string.Concat(warnings.Select(w => "; WARNING: " + w)), 1, TimeSpan.Zero));
        return (ratio, warnings);
    }

    /// <summary>
    /// Measures c = one draft step ÷ one target step with <see cref="StepCosts.Measure"/> (the measurement <c>eval</c>
    /// reports), on an untrained draft of <paramref name="spec"/> written to a temporary folder and deleted after.
    /// </summary>
    public static double MeasureCostRatio(ITargetModel target, DecoderSpec spec, OnnxModelOptions? options, CancellationToken cancellationToken)
    {
        string folder = Directory.CreateTempSubdirectory("fastdraft-cost-").FullName;
        try
        {
            ParameterLayout layout = DecoderParameters.Layout(spec);
            float[] parameters = new float[layout.TotalCount];
            ParameterInitializer.Initialize(layout, parameters, seed: 1, standardDeviation: 0.02);
            DecoderParameters.Export(spec, layout, parameters, folder);
            using OnnxCausalLM draft = OnnxCausalLM.Load(folder, options);
            return StepCosts.Measure(target, draft, Context, [DraftTokens], cancellationToken).DraftCost[DraftTokens];
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temporary folder is harmless.
            }
        }
    }

    /// <summary>Counts the target's float32/float16 weights from its ONNX file; <see langword="null"/> when they are not all there (a quantized model) or the file cannot be read.</summary>
    public static long? TargetParameters(string targetFolder, DecoderSpec? targetShape)
    {
        string? file = TargetShape.ModelFile(targetFolder);
        if (file is null)
        {
            return null;
        }

        try
        {
            long count = OnnxFloatInitializer.ReadAll(file).Sum(t => t.Elements);

            // A quantized target keeps its weights in integer tensors: fewer float weights than its embedding alone says so.
            long embedding = targetShape is null ? 1 : (long)targetShape.VocabularySize * targetShape.HiddenSize;
            return count >= embedding ? count : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or EndOfStreamException)
        {
            return null;
        }
    }

    /// <summary>
    /// The warnings for a draft: its step costing more than <see cref="DraftRecipeOptions.MaxDraftCostRatio"/> of the
    /// target's (with what the speed-up model then allows), and its having at least half as many parameters as the target
    /// (the target's float weights, rotary caches included; unknown for a quantized target).
    /// </summary>
    public static List<string> Warnings(double? costRatio, long draftParameters, long? targetParameters)
    {
        var warnings = new List<string>();
        if (costRatio is { } c && c > DraftRecipeOptions.MaxDraftCostRatio)
        {
            double best = SpeedupModel.Predicted(Alpha, DraftTokens, c, 1);
            double ideal = SpeedupModel.Predicted(Alpha, DraftTokens, 0, 1);
            warnings.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"a draft step costs {c:F2} of a target step (c above {DraftRecipeOptions.MaxDraftCostRatio:F1}): even at alpha {Alpha:F1} with K = {DraftTokens} the speed-up model E(alpha, K) / (1 + K*c) allows {best:F2}x at most ({ideal:F2}x for a free draft); choose a smaller draft (--layers, --hidden) or a larger target."));
        }

        if (targetParameters is { } t && draftParameters * 2 >= t)
        {
            warnings.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"the draft has {draftParameters:N0} parameters, {draftParameters / (double)t:F2} times the target's {t:N0}: a draft should be a small fraction of its target."));
        }

        return warnings;
    }
}
