using System.Diagnostics;
using FastDraft.Evaluation;
using FastDraft.OnnxRuntime;
using GenAI = Microsoft.ML.OnnxRuntimeGenAI;

namespace FastDraft.Runner;

/// <summary>One mode's result on one target: medians and ranges over interleaved repetitions.</summary>
public sealed record ModeResult(
    string Target, string System, string Mode, string? Draft, int DraftTokens,
    double DecodeTokensPerSecond, double DecodeMin, double DecodeMax, double PrefillMilliseconds,
    double TargetCallsPerToken, double AcceptanceRate, double MeanAcceptedLength,
    double? OverheadFraction, double? BytesPerToken, double? BytesPerGeneration, double? RatioToGenAI, double? Speedup, double? PredictedSpeedup, double? Realization,
    double[] DecodeByRepetition,
    double? CpuPerWall,
    string Threads);

/// <summary>
/// Step times measured in the run itself, for the predicted speedup E(α, K) / (K·c + v(K)), as ratios to
/// the target's single-token step run back to back; <c>PassCostRatio[0]</c> is that step after draft steps.
/// </summary>
public sealed record Calibration(
    string Target, double TargetStepMilliseconds, Dictionary<int, double> PassCostRatio, Dictionary<string, double> DraftCostRatio,
    Dictionary<string, double> IsolatedDraftCostRatio, string SweepDraft, Dictionary<int, double> SweepDraftCostRatioByK)
{
    /// <summary>c for a draft at K: measured at that K for the swept draft, at the default K otherwise.</summary>
    public double? DraftCost(string? draft, int k) =>
        draft == SweepDraft && SweepDraftCostRatioByK.TryGetValue(k, out double byK) ? byK
        : draft is not null && DraftCostRatio.TryGetValue(draft, out double c) ? c
        : null;

    /// <summary>The element-wise median of calibrations taken once per repetition (for the report).</summary>
    public static Calibration Median(IReadOnlyList<Calibration> all)
    {
        Dictionary<TKey, double> Of<TKey>(Func<Calibration, Dictionary<TKey, double>> select)
            where TKey : notnull => select(all[0]).Keys.ToDictionary(key => key, key => Summary.Median(all.Select(c => select(c)[key])));
        return new Calibration(
            all[0].Target, Summary.Median(all.Select(c => c.TargetStepMilliseconds)), Of(c => c.PassCostRatio), Of(c => c.DraftCostRatio),
            Of(c => c.IsolatedDraftCostRatio), all[0].SweepDraft, Of(c => c.SweepDraftCostRatioByK));
    }
}

/// <summary>Managed allocation of one of our modes: per generated token once running, and per generation.</summary>
public sealed record Allocation(double BytesPerToken, double BytesPerGeneration);

/// <summary>
/// Runs every mode of every pair, interleaved and counterbalanced, in one process, on the measuring core
/// <c>fastdraft eval</c> uses (FastDraft.Evaluation: schedule, generation meter, step timer, statistics).
/// </summary>
public static class BenchmarkRun
{
    /// <summary>The largest K of adaptive modes, ours and GenAI's.</summary>
    public const int MaxAdaptiveK = 8;

    /// <summary>GenAI's <c>ngram_size</c> (the suffix length it looks up), as measured since GenAI 0.18.</summary>
    private const int GenAINGramSize = 4;

    public static (List<ModeResult> Results, List<Calibration> Calibrations) Run(RunnerSettings settings, TextWriter log, CancellationToken cancellationToken = default)
    {
        var results = new List<ModeResult>();
        var calibrations = new List<Calibration>();
        foreach (BenchTarget pair in Pairs.Create(settings, log))
        {
            log.WriteLine($"== {pair.Name}: {pair.Description}");
            using OnnxCausalLM target = OnnxCausalLM.Load(pair.Folder);
            var drafts = pair.Drafts.ToDictionary(d => d.Name, d => OnnxCausalLM.Load(d.Folder));
            log.WriteLine($"   FastDraft's threads (automatic): {Describe(target)}; {string.Join(", ", drafts.Values.Select(Describe))}");
            var modes = new List<Mode>();
            using var genAI = new GenAIModels();
            var fixedThreads = new List<OnnxCausalLM>();
            try
            {
                modes.AddRange(CreateModes(settings, pair, target, drafts, genAI));
                modes.AddRange(CreateFixedThreadModes(settings, pair, fixedThreads));
                if (pair.Name.EndsWith("-int4", StringComparison.Ordinal))
                {
                    modes.AddRange(CreateFastInt4Modes(settings, pair, fixedThreads));
                }
                (MeasurementSet samples, List<Calibration> perRepetition) = Measure(settings, pair, modes, () => Calibrate(settings, pair, target, drafts, cancellationToken), log, cancellationToken);
                calibrations.Add(Calibration.Median(perRepetition));
                var allocations = modes.OfType<OursMode>().Where(m => m.System == OursMode.OursSystem).ToDictionary(m => (Mode)m, m => Allocated(m, pair, settings.Tokens));
                results.AddRange(Summarize(pair, samples, perRepetition, allocations));
            }
            finally
            {
                modes.ForEach(m => m.Dispose());
                foreach (OnnxCausalLM model in drafts.Values.Concat(fixedThreads))
                {
                    model.Dispose();
                }
            }
        }

        return (results, calibrations);
    }

    private static string Describe(OnnxCausalLM model) =>
        $"{model.Info.Name} {model.IntraOpThreads} ({model.IntraOpThreadsSource}, {model.WeightBytes / 1e6:F1} MB of weights)";

    /// <summary>
    /// Our modes and GenAI's, each of GenAI's at FastDraft's thread count and at GenAI's default (one intra-op thread
    /// here). GenAI's modes are all that its generator parameters offer: draft-model speculation at fixed K (swept for the
    /// first draft) and adaptive K (<c>min_adaptive_k</c>, K growing from 1 to 8 like ours), n-gram lookup at fixed K,
    /// with chained lookup (<c>ngram_chained_lookup</c>: a hit's continuation is looked up again to fill K) and adaptive,
    /// and cooldown (<c>cooldown</c>: drafting paused for some steps after rejections) with the first draft and n-gram.
    /// </summary>
    private static IEnumerable<Mode> CreateModes(RunnerSettings settings, BenchTarget pair, OnnxCausalLM target, Dictionary<string, OnnxCausalLM> drafts, GenAIModels genAI)
    {
        int k = settings.DraftTokens;
        var fixedK = new SpeculativeOptions { DraftTokens = k, AdaptiveDraftTokens = false };
        var adaptive = new SpeculativeOptions { DraftTokens = MaxAdaptiveK };
        IEnumerable<Mode> GenAIModes(string name, string folder, int kk, string? draft, Action<GenAI.GeneratorParams> configure) =>
            [.. new int?[] { settings.GenAIThreads, null }.Select(threads => new GenAIMode(name, genAI.Get(folder, threads), kk, draft, configure, speculative: draft is not null, threads))];

        yield return new OursMode("target-only", target, null, fixedK, null);
        foreach (Mode mode in GenAIModes("target-only", pair.Folder, 0, null, _ => { }))
        {
            yield return mode;
        }

        yield return new OursMode("n-gram", target, new NGramDraftModel(3), fixedK, "n-gram");
        yield return new OursMode("adaptive", target, new NGramDraftModel(3), adaptive, "n-gram");
        foreach ((string name, int kk, GenAIOptions options) in new (string, int, GenAIOptions)[]
        {
            ("n-gram", k, new GenAIOptions(k)),
            ("n-gram, chained", k, new GenAIOptions(k, Chained: true)),
            ("n-gram, cooldown", k, new GenAIOptions(k, Cooldown: true)),
            ("adaptive", MaxAdaptiveK, new GenAIOptions(MaxAdaptiveK, Adaptive: true)),
            ("adaptive, chained", MaxAdaptiveK, new GenAIOptions(MaxAdaptiveK, Adaptive: true, Chained: true)),
        })
        {
            foreach (Mode mode in GenAIModes(name, pair.Folder, kk, "n-gram", (options with { NGramSize = GenAINGramSize }).Apply))
            {
                yield return mode;
            }
        }

        foreach (BenchDraft draft in pair.Drafts)
        {
            bool first = draft == pair.Drafts[0];
            string composite = GenAIMode.Composite(Path.Combine(settings.Cache, "genai"), pair.Folder, draft.Folder, k);
            int[] ks = pair.SweepDraftTokens && first ? [.. settings.DraftTokenSweep.Append(k).Distinct().Order()] : [k];
            var genAIModes = ks.Select(kk => ("speculative", kk, new GenAIOptions(kk))).Append(("adaptive", MaxAdaptiveK, new GenAIOptions(MaxAdaptiveK, Adaptive: true)));
            if (first)
            {
                genAIModes = genAIModes.Append(("speculative, cooldown", k, new GenAIOptions(k, Cooldown: true))).Append(("adaptive, cooldown", MaxAdaptiveK, new GenAIOptions(MaxAdaptiveK, Adaptive: true, Cooldown: true)));
            }

            foreach (int kk in ks)
            {
                yield return new OursMode("speculative", target, drafts[draft.Name], fixedK with { DraftTokens = kk }, draft.Name);
            }

            yield return new OursMode("adaptive", target, drafts[draft.Name], adaptive, draft.Name);
            if (first)
            {
                foreach (float threshold in settings.ConfidenceThresholds)
                {
                    yield return new OursMode($"adaptive, confidence ≥ {threshold:0.##}", target, drafts[draft.Name], adaptive with { DraftConfidenceThreshold = threshold }, draft.Name);
                }

                // Both proposers in one chain (the draft model and prompt lookup), against GenAI's adaptive mode on the same draft.
                yield return new OursMode("adaptive, combined with n-gram", target, new CombinedDraftModel(drafts[draft.Name], new NGramDraftModel(3)), adaptive, draft.Name);
            }

            foreach ((string name, int kk, GenAIOptions options) in genAIModes)
            {
                foreach (Mode mode in GenAIModes(name, composite, kk, draft.Name, options.Apply))
                {
                    yield return mode;
                }
            }
        }
    }

    /// <summary>
    /// Ours again with every session on a fixed thread count (<see cref="RunnerSettings.FixedThreads"/>: one, and two), as
    /// GenAI is measured at two settings: target-only, n-gram, the first draft at the default K and adaptive. Each
    /// count loads its own target and first draft (one ONNX Runtime pool per session, not the shared one).
    /// </summary>
    private static IEnumerable<Mode> CreateFixedThreadModes(RunnerSettings settings, BenchTarget pair, List<OnnxCausalLM> loaded)
    {
        foreach (int threads in settings.FixedThreads)
        {
            var options = new OnnxModelOptions { Threading = OnnxThreading.PerSession, IntraOpThreads = threads };
            OnnxCausalLM target = OnnxCausalLM.Load(pair.Folder, options);
            loaded.Add(target);
            OnnxCausalLM draft = OnnxCausalLM.Load(pair.Drafts[0].Folder, options);
            loaded.Add(draft);
            var fixedK = new SpeculativeOptions { DraftTokens = settings.DraftTokens, AdaptiveDraftTokens = false };
            yield return new OursMode("target-only", target, null, fixedK, null, threads);
            yield return new OursMode("n-gram", target, new NGramDraftModel(3), fixedK, "n-gram", threads);
            yield return new OursMode("speculative", target, draft, fixedK, pair.Drafts[0].Name, threads);
            yield return new OursMode("adaptive", target, draft, new SpeculativeOptions { DraftTokens = MaxAdaptiveK }, pair.Drafts[0].Name, threads);
        }
    }

    /// <summary>
    /// Ours on an int4 pair with ONNX Runtime's default int4 arithmetic (int8 activations in one-token passes, float32 in
    /// passes of several tokens), the numerics GenAI decodes with: faster than the exact default, and speculative output may
    /// then differ from target-only output at near-ties, as GenAI's does. Target-only, the first draft at K and adaptive.
    /// </summary>
    private static IEnumerable<Mode> CreateFastInt4Modes(RunnerSettings settings, BenchTarget pair, List<OnnxCausalLM> loaded)
    {
        var options = OnnxModelOptions.Default with { ExactInt4 = false };
        OnnxCausalLM target = OnnxCausalLM.Load(pair.Folder, options);
        loaded.Add(target);
        OnnxCausalLM draft = OnnxCausalLM.Load(pair.Drafts[0].Folder, options);
        loaded.Add(draft);
        var fixedK = new SpeculativeOptions { DraftTokens = settings.DraftTokens, AdaptiveDraftTokens = false };
        yield return new OursMode("target-only", target, null, fixedK, null, system: OursMode.FastInt4System);
        yield return new OursMode("speculative", target, draft, fixedK, pair.Drafts[0].Name, system: OursMode.FastInt4System);
        yield return new OursMode("adaptive", target, draft, new SpeculativeOptions { DraftTokens = MaxAdaptiveK }, pair.Drafts[0].Name, system: OursMode.FastInt4System);
    }

    /// <summary>
    /// Runs the modes repetition by repetition (the shared <see cref="InterleavedSchedule"/>: odd repetitions in
    /// reverse, so that no mode always runs right after the same neighbour; on this machine the position alone
    /// moved rates by ~3%) and calibrates the step times (c, v) in each repetition too, so that a repetition's
    /// predicted speedup is computed under the same machine conditions as its measured one (neighbours on this
    /// shared machine move rates by 10–20% over minutes).
    /// </summary>
    private static (MeasurementSet Samples, List<Calibration> Calibrations) Measure(
        RunnerSettings settings, BenchTarget pair, List<Mode> modes, Func<Calibration> calibrate, TextWriter log, CancellationToken cancellationToken)
    {
        var calibrations = new List<Calibration>();
        var clock = Stopwatch.StartNew();
        void AfterRepetition(int repetition)
        {
            calibrations.Add(calibrate());
            log.WriteLine($"   repetition {repetition + 1}/{settings.Repetitions}: {modes.Count} modes in {clock.Elapsed.TotalSeconds:F0} s");
            clock.Restart();
        }

        var schedule = new ScheduleOptions { MaxNewTokens = settings.Tokens, Repetitions = settings.Repetitions };
        MeasurementSet samples = InterleavedSchedule.Run([.. modes], pair.Prompts, schedule, AfterRepetition, cancellationToken: cancellationToken);
        return (samples, calibrations);
    }

    /// <summary>
    /// The managed bytes a generation allocates as it runs: the difference between a generation of 2N
    /// tokens and one of N, per extra token; the rest of an N-token generation's allocation is its fixed
    /// cost (generator state, the two sessions' bindings). Each length is measured three times and the
    /// least kept: a one-off in one run (a pooled array the runtime trimmed meanwhile) is not a per-token
    /// cost, and under a loaded test run it otherwise showed up as one.
    /// </summary>
    private static Allocation Allocated(OursMode mode, BenchTarget pair, int tokens)
    {
        const int Samples = 3;
        int[] prompt = pair.Prompts.MinBy(p => p.Length)!;
        int n = Math.Min(tokens, 16);
        long Bytes(int count) => mode.Run(prompt, count).AllocatedBytes;
        Bytes(2 * n);
        long single = long.MaxValue, twice = long.MaxValue;
        for (int i = 0; i < Samples; i++)
        {
            single = Math.Min(single, Bytes(n));
            twice = Math.Min(twice, Bytes(2 * n));
        }

        double perToken = Math.Max(0, twice - single) / (double)n;
        return new Allocation(perToken, single - (perToken * n));
    }

    /// <summary>
    /// Measures c and v(K) in the pattern the decoding loop runs them: a target pass, then K draft steps (the
    /// shared <see cref="StepCosts"/> and <see cref="StepTimer"/>). On this machine the draft's weights stay in
    /// the (large, shared) L3 cache when it runs alone but not after a target pass has streamed through, and the
    /// target's single-token pass is slower after draft steps than back to back, so both are timed interleaved
    /// (stepping a draft on its own would understate c; both figures are reported). The unit is the target's
    /// single-token step run back to back, as target-only decoding runs it: the predicted speedup is relative
    /// to that baseline.
    /// </summary>
    private static Calibration Calibrate(RunnerSettings settings, BenchTarget pair, OnnxCausalLM target, Dictionary<string, OnnxCausalLM> drafts, CancellationToken cancellationToken)
    {
        int k = settings.DraftTokens;
        int context = pair.Prompts.Max(p => p.Length) + (settings.Tokens / 2);
        OnnxCausalLM reference = drafts.Values.First();
        StepCosts costs = StepCosts.Measure(target, reference, context, settings.DraftTokenSweep.Append(k), cancellationToken);
        double step = costs.TargetStepMilliseconds;
        var passes = new Dictionary<int, double>(costs.PassCost) { [0] = StepTimer.Cycle(target, reference, context, 1, k, cancellationToken).PassMilliseconds / step };
        var referenceRatios = new Dictionary<int, double>(costs.DraftCost);
        var draftRatios = drafts.ToDictionary(d => d.Key, d => d.Value == reference ? referenceRatios[k] : StepTimer.Cycle(target, d.Value, context, k + 1, k, cancellationToken).DraftStepMilliseconds / step);
        var isolatedRatios = drafts.ToDictionary(d => d.Key, d => StepTimer.Cycle(d.Value, null, context, 1, 0, cancellationToken).PassMilliseconds / step);

        return new Calibration(pair.Name, step, passes, draftRatios, isolatedRatios, drafts.First().Key, referenceRatios);
    }

    private static List<ModeResult> Summarize(BenchTarget pair, MeasurementSet samples, List<Calibration> calibrations, Dictionary<Mode, Allocation> allocations)
    {
        Mode[] modes = [.. samples.Modes.Cast<Mode>()];
        var rates = modes.ToDictionary(m => m, m => Throughput.RatesByRepetition(samples.For(m)));
        double[] Baseline(Mode mode) => rates.First(p => p.Key is OursMode && p.Key.System == mode.System && p.Key.Name == "target-only").Value;

        // Ratios are taken repetition by repetition (the two runs were minutes apart at most), then the median.
        var results = new List<ModeResult>();
        foreach (Mode mode in modes)
        {
            GenerationSample[] all = [.. samples.For(mode).SelectMany(r => r)];
            double rate = Summary.Median(rates[mode]);
            long evaluated = all.Sum(s => (long)s.EvaluatedTokens);
            long accepted = all.Sum(s => (long)s.AcceptedTokens);
            double alpha = evaluated == 0 ? 0 : (double)accepted / evaluated;
            int generated = all.Sum(s => s.GeneratedTokens);
            long rounds = all.Sum(s => s.TargetCalls) - all.Length; // decode passes: one per round after the prompt pass
            // GenAI's same mode (adaptive against its adaptive, confidence thresholds included), at its faster thread setting.
            string peerMode = mode.Name.StartsWith("adaptive", StringComparison.Ordinal) ? "adaptive" : mode.Name;
            Mode? peer = modes.Where(m => m is GenAIMode && m.Name == peerMode && m.Draft == mode.Draft && m.DraftTokens == mode.DraftTokens)
                .MaxBy(m => Summary.Median(rates[m]));
            bool ours = mode is OursMode;

            // Predicted per repetition from that repetition's c and v; realization = the median of the
            // repetitions' measured ÷ predicted.
            double[]? predictions = mode.System == OursMode.OursSystem && mode.Name == "speculative" && calibrations[0].DraftCost(mode.Draft, mode.DraftTokens) is not null
                ? [.. calibrations.Select(cal => SpeedupModel.Predicted(alpha, mode.DraftTokens, cal.DraftCost(mode.Draft, mode.DraftTokens)!.Value, cal.PassCostRatio[mode.DraftTokens]))]
                : null;
            double[]? speedups = ours ? [.. rates[mode].Zip(Baseline(mode), (x, y) => x / y)] : null;
            double? predicted = predictions is null ? null : Summary.Median(predictions);
            double? speedup = speedups is null ? null : Summary.Median(speedups);
            double? realization = predictions is null ? null : Summary.Median(speedups!.Zip(predictions, (s, p) => s / p));
            results.Add(new ModeResult(
                pair.Name, mode.System, mode.Name, mode.Draft, mode.DraftTokens,
                rate, rates[mode].Min(), rates[mode].Max(), Summary.Median(all.Select(s => s.TimeToFirstToken.TotalMilliseconds)),
                (double)all.Sum(s => s.TargetCalls) / generated, alpha, rounds <= 0 ? 0 : (double)accepted / rounds,
                ours ? 1 - (all.Sum(s => s.ModelTime.TotalSeconds) / all.Sum(s => s.WallTime.TotalSeconds)) : null,
                allocations.GetValueOrDefault(mode)?.BytesPerToken, allocations.GetValueOrDefault(mode)?.BytesPerGeneration,
                !ours || peer is null ? null : Throughput.PairedSpeedup(rates[mode], rates[peer]),
                speedup, predicted, realization, rates[mode],
                all.Sum(s => s.CpuTime.TotalSeconds) is > 0 and double cpu ? cpu / all.Sum(s => s.WallTime.TotalSeconds) : null,
                mode.Threads));
        }

        return results;
    }
}
