using System.Diagnostics;
using System.Text.Json.Nodes;
using FastDraft.Evaluation;
using FastDraft.OnnxRuntime;
using GenAI = Microsoft.ML.OnnxRuntimeGenAI;

namespace FastDraft.Runner;

/// <summary>A way of generating: a system (ours or ONNX Runtime GenAI) and a mode, measured by the shared core's schedule.</summary>
public abstract class Mode : IMeasuredMode, IDisposable
{
    protected Mode(string system, string name, int draftTokens, string? draft)
    {
        System = system;
        Name = name;
        DraftTokens = draftTokens;
        Draft = draft;
    }

    public string System { get; }

    public string Name { get; }

    public int DraftTokens { get; }

    public string? Draft { get; }

    /// <summary>A unique name among the modes of a pair, for the shared schedule.</summary>
    string IMeasuredMode.Name => $"{System} {Name} {Draft} K={DraftTokens}";

    public abstract GenerationSample Run(GenerationRequest request, CancellationToken cancellationToken);

    public GenerationSample Run(int[] prompt, int tokens) => Run(new GenerationRequest(prompt, tokens, 0), CancellationToken.None);

    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>FastDraft: target-only, speculative with a draft model (fixed or adaptive K), or n-gram; measured by the shared <see cref="GeneratorMode"/>.</summary>
public sealed class OursMode(string name, OnnxCausalLM target, IDraftModel? draft, SpeculativeOptions options, string? draftName)
    : Mode("FastDraft", name, draft is null ? 0 : options.DraftTokens, draftName)
{
    private readonly GeneratorMode _mode = new(name, new SpeculativeGenerator(target, draft, options));

    public override GenerationSample Run(GenerationRequest request, CancellationToken cancellationToken) => _mode.Run(request, cancellationToken);
}

/// <summary>ONNX Runtime GenAI 0.18 on the same folders: autoregressive, speculative (composite configuration), n-gram.</summary>
public sealed class GenAIMode : Mode
{
    public const string PeerSystem = "ORT GenAI";
    public const string DefaultThreadsSystem = "ORT GenAI, default threads";
    private readonly GenAI.Model _model;
    private readonly Action<GenAI.GeneratorParams> _configure;
    private readonly bool _speculative;

    /// <param name="intraOpThreads">
    /// Threads for each ONNX Runtime session, or <see langword="null"/> for GenAI's own defaults. GenAI 0.18
    /// runs its CPU sessions on one intra-op thread unless told otherwise, so the runner measures both.
    /// </param>
    public GenAIMode(string name, string folder, int draftTokens, string? draft, Action<GenAI.GeneratorParams> configure, bool speculative, int? intraOpThreads)
        : base(intraOpThreads is null ? DefaultThreadsSystem : PeerSystem, name, draftTokens, draft)
    {
        using var config = new GenAI.Config(folder);
        if (intraOpThreads is not null)
        {
            string sessionOptions = $"{{\"session_options\":{{\"intra_op_num_threads\":{intraOpThreads}}}}}";
            bool composite = File.ReadAllText(Path.Combine(folder, "genai_config.json")).Contains("\"draft\"", StringComparison.Ordinal);
            config.Overlay($"{{\"model\":{{\"decoder\":{sessionOptions}{(composite ? $",\"draft\":{sessionOptions}" : string.Empty)}}}}}");
        }

        _model = new GenAI.Model(config);
        _configure = configure;
        _speculative = speculative;
    }

    public override GenerationSample Run(GenerationRequest request, CancellationToken cancellationToken)
    {
        int[] prompt = request.Prompt.ToArray();
        int tokens = request.MaxNewTokens;
        using var parameters = new GenAI.GeneratorParams(_model);
        parameters.SetSearchOption("max_length", prompt.Length + tokens);
        parameters.SetSearchOption("min_length", prompt.Length + tokens); // run to the length, like IgnoreEndOfSequence
        parameters.SetSearchOption("do_sample", false);
        _configure(parameters);
        using var generator = new GenAI.Generator(_model, parameters);
        TimeSpan cpuBefore = Environment.CpuUsage.TotalTime;
        long started = Stopwatch.GetTimestamp();
        generator.AppendTokens(prompt);
        generator.GenerateNextToken();
        double prefill = Stopwatch.GetElapsedTime(started).TotalSeconds;
        while (!generator.IsDone())
        {
            cancellationToken.ThrowIfCancellationRequested();
            generator.GenerateNextToken();
        }

        double wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        int generated = generator.GetSequence(0).Length - prompt.Length;
        var sample = new GenerationSample
        {
            GeneratedTokens = generated,
            TimeToFirstToken = TimeSpan.FromSeconds(prefill),
            DecodeTime = TimeSpan.FromSeconds(wall - prefill),
            WallTime = TimeSpan.FromSeconds(wall),
            CpuTime = Environment.CpuUsage.TotalTime - cpuBefore,
            TargetCalls = generated,
        };
        if (!_speculative)
        {
            return sample;
        }

        // GenAI's pass counters cover only the rounds in which it drafted (n-gram mode skips the rest), so
        // the target passes are derived the way they are for greedy decoding everywhere: each pass yields
        // exactly one token of its own, the rest of the output is accepted drafts.
        using GenAI.SpeculativeStats stats = generator.GetSpeculativeStats();
        long accepted = (long)stats.GetCount("draft_tokens_accepted");
        long evaluated = (long)stats.GetCount("draft_tokens_evaluated");
        return sample with { TargetCalls = (int)(generated - accepted), EvaluatedTokens = (int)evaluated, AcceptedTokens = (int)accepted };
    }

    public override void Dispose()
    {
        _model.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// Writes the composite configuration GenAI's speculative decoding needs: the target's configuration
    /// with type "speculative" and the draft's decoder block. GenAI refuses ".." in paths, so the folder
    /// links to both models and names them from inside.
    /// </summary>
    public static string Composite(string root, string target, string draft, int draftTokens)
    {
        string folder = Path.Combine(root, $"genai-speculative-{Path.GetFileName(draft)}-{Path.GetFileName(target)}");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        Directory.CreateSymbolicLink(Path.Combine(folder, "target"), Path.GetFullPath(target));
        Directory.CreateSymbolicLink(Path.Combine(folder, "draft"), Path.GetFullPath(draft));
        JsonObject Decoder(string model, string link)
        {
            var decoder = JsonNode.Parse(File.ReadAllText(Path.Combine(model, "genai_config.json")))!["model"]!["decoder"]!.DeepClone().AsObject();
            decoder["filename"] = $"{link}/{(string)decoder["filename"]!}";
            return decoder;
        }

        JsonObject model = JsonNode.Parse(File.ReadAllText(Path.Combine(target, "genai_config.json")))!["model"]!.DeepClone().AsObject();
        model["type"] = "speculative";
        model["decoder"] = Decoder(target, "target");
        model["draft"] = Decoder(draft, "draft");
        var composite = new JsonObject
        {
            ["model"] = model,
            ["search"] = new JsonObject { ["max_length"] = (int)model["context_length"]! },
            ["speculative"] = new JsonObject { ["max_draft_tokens"] = draftTokens },
        };
        File.WriteAllText(Path.Combine(folder, "genai_config.json"), composite.ToJsonString());
        return folder;
    }
}
