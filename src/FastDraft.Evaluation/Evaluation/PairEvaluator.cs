using System.Diagnostics;

namespace FastDraft.Evaluation;

/// <summary>
/// Evaluates a target with one or more proposers on a set of prompts: target-only decoding, each
/// proposer at every K of the sweep and adaptively, run interleaved and counterbalanced; then the quality
/// gate, per-mode and per-prompt figures, CPU cost, the K sweep against the speed-up model, and a
/// recommendation. This is what <c>fastdraft eval</c> runs. With <see cref="EvaluationOptions.Constraint"/>, every mode
/// generates under it (and with <see cref="EvaluationOptions.CompareUnconstrained"/>, every mode also without it).
/// </summary>
/// <remarks>
/// The evaluation runs on the calling thread, one generation at a time (timings of concurrent generations
/// would measure each other). It never disposes the models. Progress is reported after every generation.
/// </remarks>
public static class PairEvaluator
{
    /// <summary>The name of the target-only mode, the baseline of every speed-up.</summary>
    public const string BaselineMode = "target-only";

    /// <summary>What the name of a mode run without the evaluation's constraint ends with (<see cref="EvaluationOptions.CompareUnconstrained"/>).</summary>
    public const string UnconstrainedSuffix = ", unconstrained";

    /// <summary>Runs the evaluation.</summary>
    /// <param name="target">The target.</param>
    /// <param name="proposers">One or more proposers, names unique.</param>
    /// <param name="prompts">The prompts' token ids; each, with <see cref="EvaluationOptions.MaxNewTokens"/>, must fit the target's context.</param>
    /// <param name="options">What to measure; <see langword="null"/> for the defaults.</param>
    /// <param name="progress">Receives progress (stage, fraction, estimated time left).</param>
    /// <param name="cancellationToken">Cancels the evaluation between or inside generations.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentException">No proposers or prompts, duplicate proposer names, a prompt too long for the context, or options out of range (the message says which).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static EvaluationReport Run(
        ITargetModel target,
        IReadOnlyList<Proposer> proposers,
        IReadOnlyList<int[]> prompts,
        EvaluationOptions? options = null,
        IProgress<EvaluationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new EvaluationOptions();
        Validate(target, proposers, prompts, options);
        var clock = Stopwatch.StartNew();
        LoadAverage? loadAtStart = LoadAverage.Read();
        List<ModePlan> plans = Plan(target, proposers, options);
        ModePlan baseline = plans[0];
        ModePlan? unconstrainedBaseline = plans.FirstOrDefault(p => p.Unconstrained && p.Proposer is null);
        ModePlan BaselineOf(ModePlan plan) => plan.Unconstrained ? unconstrainedBaseline! : baseline;

        // Step costs are measured after every repetition, under the conditions that repetition ran in;
        // proposers without a model share one measurement (their c is 0 and v is the target's alone).
        int[] ks = options.AllDraftTokens;
        int context = prompts.Max(p => p.Length) + (options.MaxNewTokens / 2);
        var costs = proposers.ToDictionary(p => p.Name, _ => new List<StepCosts>());
        void Calibrate(int repetition)
        {
            var byModel = new Dictionary<object, StepCosts>(ReferenceEqualityComparer.Instance);
            foreach (Proposer proposer in proposers)
            {
                object key = proposer.Model ?? (object)baseline;
                if (!byModel.TryGetValue(key, out StepCosts? measured))
                {
                    progress?.Report(new EvaluationProgress("measure", $"repetition {repetition + 1}: step costs of {proposer.Name}", 1, TimeSpan.Zero));
                    byModel[key] = measured = StepCosts.Measure(target, proposer.Model, context, ks, cancellationToken);
                }

                costs[proposer.Name].Add(measured);
            }
        }

        var schedule = new ScheduleOptions { MaxNewTokens = options.MaxNewTokens, Repetitions = options.Repetitions, Seed = options.Seed };
        MeasurementSet set = InterleavedSchedule.Run([.. plans.Select(p => p.Mode)], prompts, schedule, Calibrate, progress, cancellationToken);
        QualityGroup[] groups = [.. plans.Where(p => p.Proposer is null).Select(b => new QualityGroup(b.Mode, [.. plans.Where(p => p.Proposer is not null && BaselineOf(p) == b).Select(p => p.Mode)]))];
        QualityGateReport quality = QualityGate.Check(target, set, groups, prompts, options, progress, cancellationToken);

        ModeReport[] modes = [.. plans.Select(plan => ModeSummarizer.Summarize(plan, set.For(plan.Mode), set.For(BaselineOf(plan).Mode), options.PricePerCoreHour))];
        CompareWithUnconstrained(plans, modes, set);
        Dictionary<string, StepCosts> medians = costs.ToDictionary(c => c.Key, c => StepCosts.Median(c.Value));
        ModeReport[] primary = [.. modes.Where(m => !m.Unconstrained)]; // the unconstrained twins are for comparison, not for choosing
        Recommendation recommendation = Recommender.Choose(primary, quality);
        var machine = new MachineLoad(Environment.ProcessorCount, loadAtStart, LoadAverage.Read());
        return new EvaluationReport
        {
            Target = target.Info.Name,
            Prompts = prompts.Count,
            Options = options,
            Modes = modes,
            TargetOnlyOutputs = [.. set.For(baseline.Mode)[0].Select(sample => sample.Tokens ?? [])],
            Quality = quality,
            Sweep = Sweep(plans, modes, set, costs),
            StepCosts = medians,
            Recommendation = recommendation,
            Elapsed = clock.Elapsed,
            Machine = machine,
            Warnings = ReliabilityCheck.Warnings(primary, recommendation, machine, options.Repetitions),
        };
    }

    private static List<ModePlan> Plan(ITargetModel target, IReadOnlyList<Proposer> proposers, EvaluationOptions options)
    {
        var plans = new List<ModePlan>();
        AddPlans(plans, target, proposers, options, new GenerationOptions { Temperature = options.Temperature, Constraint = options.Constraint }, unconstrained: false);
        if (options.CompareUnconstrained)
        {
            AddPlans(plans, target, proposers, options, new GenerationOptions { Temperature = options.Temperature }, unconstrained: true);
        }

        return plans;
    }

    /// <summary>Target-only, then each proposer at every K and adaptively, all with <paramref name="request"/>'s options.</summary>
    private static void AddPlans(List<ModePlan> plans, ITargetModel target, IReadOnlyList<Proposer> proposers, EvaluationOptions options, GenerationOptions request, bool unconstrained)
    {
        string suffix = unconstrained ? UnconstrainedSuffix : string.Empty;
        plans.Add(new(new GeneratorMode(BaselineMode + suffix, new SpeculativeGenerator(target), request, keepTokens: true), null, 0, false, unconstrained));
        int[] ks = options.AllDraftTokens;
        foreach (Proposer proposer in proposers)
        {
            foreach (int k in ks)
            {
                var generator = new SpeculativeGenerator(target, proposer.Draft, new SpeculativeOptions { DraftTokens = k, AdaptiveDraftTokens = false });
                plans.Add(new ModePlan(new GeneratorMode($"{proposer.Name} K={k}{suffix}", generator, request, keepTokens: true), proposer, k, false, unconstrained));
            }

            var adaptive = new SpeculativeGenerator(target, proposer.Draft, new SpeculativeOptions { DraftTokens = ks[^1], AdaptiveDraftTokens = true });
            plans.Add(new ModePlan(new GeneratorMode($"{proposer.Name} adaptive{suffix}", adaptive, request, keepTokens: true), proposer, ks[^1], true, unconstrained));
        }
    }

    /// <summary>Each constrained mode's speed-up over its unconstrained twin, paired by repetition (where the run measured the twins).</summary>
    private static void CompareWithUnconstrained(List<ModePlan> plans, ModeReport[] modes, MeasurementSet set)
    {
        for (int i = 0; i < plans.Count; i++)
        {
            int twin = plans.FindIndex(p => p.Unconstrained && p.Name == plans[i].Name + UnconstrainedSuffix);
            if (!plans[i].Unconstrained && twin >= 0)
            {
                double[] rates = Throughput.RatesByRepetition(set.For(plans[i].Mode));
                modes[i] = modes[i] with { SpeedupOverUnconstrained = Throughput.PairedSpeedup(rates, Throughput.RatesByRepetition(set.For(plans[twin].Mode))) };
            }
        }
    }

    /// <summary>
    /// The K sweep: for each fixed-K mode, the predicted speed-up E(α,K)/(K·c + v(K)) with its own α, computed
    /// per repetition from that repetition's c and v and then the median, beside the measured one. A proposer
    /// without a model has no draft steps to time: its c is its measured proposal time per round, over K.
    /// </summary>
    private static List<SweepPoint> Sweep(List<ModePlan> plans, ModeReport[] modes, MeasurementSet set, Dictionary<string, List<StepCosts>> costs)
    {
        var points = new List<SweepPoint>();
        for (int i = 0; i < plans.Count; i++)
        {
            ModePlan plan = plans[i];
            if (plan.Proposer is not { } proposer || plan.Adaptive || plan.Unconstrained)
            {
                continue;
            }

            int k = plan.DraftTokens;
            List<StepCosts> perRepetition = costs[proposer.Name];
            GenerationSample[] all = [.. set.For(plan.Mode).SelectMany(r => r)];
            double Draft(StepCosts cost) => proposer.Model is not null
                ? cost.DraftCost[k]
                : all.Sum(s => s.DraftTime.TotalMilliseconds) / Math.Max(1, all.Sum(s => s.Rounds)) / k / cost.TargetStepMilliseconds;
            double alpha = modes[i].Alpha;
            double predicted = Summary.Median(perRepetition.Select(cost => SpeedupModel.Predicted(alpha, k, Draft(cost), cost.PassCost[k])));
            points.Add(new SweepPoint(
                proposer.Name, k, alpha, Summary.Median(perRepetition.Select(Draft)), Summary.Median(perRepetition.Select(c => c.PassCost[k])), predicted, modes[i].Speedup));
        }

        return points;
    }

    private static void Validate(ITargetModel target, IReadOnlyList<Proposer> proposers, IReadOnlyList<int[]> prompts, EvaluationOptions options)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(proposers);
        ArgumentNullException.ThrowIfNull(prompts);
        options.Validate();
        if (proposers.Count == 0)
        {
            throw new ArgumentException("Give at least one proposer (a draft model or an n-gram lookup): the evaluation compares it with target-only decoding.", nameof(proposers));
        }

        if (proposers.Select(p => p.Name).Distinct(StringComparer.Ordinal).Count() != proposers.Count)
        {
            throw new ArgumentException($"Proposer names must be unique; got {string.Join(", ", proposers.Select(p => p.Name))}.", nameof(proposers));
        }

        if (prompts.Count == 0)
        {
            throw new ArgumentException("Give at least one prompt.", nameof(prompts));
        }

        if (options.Temperature > 0 && prompts.Count * options.Repetitions < 2)
        {
            throw new ArgumentException("A sampled evaluation needs at least two generations per mode (prompts × repetitions) for the quality gate's confidence interval.", nameof(options));
        }

        int context = Math.Min(target.Info.ContextLength, proposers.Min(p => p.Model?.Info.ContextLength ?? int.MaxValue));
        for (int i = 0; i < prompts.Count; i++)
        {
            if (prompts[i] is not { Length: > 0 } prompt)
            {
                throw new ArgumentException($"Prompt {i + 1} is empty.", nameof(prompts));
            }

            if (prompt.Length + options.MaxNewTokens > context)
            {
                throw new ArgumentException($"Prompt {i + 1} ({prompt.Length} tokens) plus {options.MaxNewTokens} new tokens exceeds the context length ({context} tokens): shorten it or generate fewer tokens.", nameof(prompts));
            }
        }
    }
}
