using System.Diagnostics;
using System.Globalization;
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

    /// <summary>The intra-op threads the mode's models run on, as the report shows them.</summary>
    public abstract string Threads { get; }

    /// <summary>A unique name among the modes of a pair, for the shared schedule.</summary>
    string IMeasuredMode.Name => $"{System} {Name} {Draft} K={DraftTokens}";

    public abstract GenerationSample Run(GenerationRequest request, CancellationToken cancellationToken);

    public GenerationSample Run(int[] prompt, int tokens) => Run(new GenerationRequest(prompt, tokens, 0), CancellationToken.None);

    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>
/// FastDraft: target-only, speculative with a draft model (fixed or adaptive K), or n-gram; measured by the shared
/// <see cref="GeneratorMode"/>. <paramref name="threadsPerSession"/> names the system for models loaded with a fixed
/// count of threads per session; <see langword="null"/> for models loaded as a user would (each model's automatic choice).
/// </summary>
public sealed class OursMode(string name, OnnxCausalLM target, IDraftModel? draft, SpeculativeOptions options, string? draftName, int? threadsPerSession = null, string? system = null)
    : Mode(system ?? SystemFor(threadsPerSession), name, draft is null ? 0 : options.DraftTokens, draftName)
{
    public const string OursSystem = "FastDraft";

    /// <summary>Ours with int4 computed as ONNX Runtime does by default (<c>OnnxModelOptions.ExactInt4 = false</c>), as GenAI runs it.</summary>
    public const string FastInt4System = "FastDraft, --fast-int4";
    private readonly GeneratorMode _mode = new(name, new SpeculativeGenerator(target, draft, options));

    /// <summary>Target threads, and the draft model's after a plus.</summary>
    public override string Threads { get; } = draft is OnnxCausalLM d
        ? string.Create(CultureInfo.InvariantCulture, $"{target.IntraOpThreads}+{d.IntraOpThreads}")
        : target.IntraOpThreads.ToString(CultureInfo.InvariantCulture);

    public static string SystemFor(int? threadsPerSession) =>
        threadsPerSession is int t ? string.Create(CultureInfo.InvariantCulture, $"{OursSystem}, {t} thread{(t == 1 ? string.Empty : "s")} per session") : OursSystem;

    public override GenerationSample Run(GenerationRequest request, CancellationToken cancellationToken) => _mode.Run(request, cancellationToken);
}

/// <summary>
/// ONNX Runtime GenAI on the same folders: autoregressive, speculative with a draft model (composite configuration) or
/// n-gram lookup, each with the options its generator parameters take (fixed or adaptive K, chained n-gram lookup, cooldown).
/// </summary>
public sealed class GenAIMode : Mode
{
    public const string PeerSystem = "ORT GenAI";
    public const string DefaultThreadsSystem = "ORT GenAI, default threads";
    private readonly GenAI.Model _model;
    private readonly Action<GenAI.GeneratorParams> _configure;
    private readonly bool _speculative;

    /// <param name="name">The mode's name (same names as ours where the modes match).</param>
    /// <param name="model">The loaded model, shared with the pair's other modes on the same folder and threads (<see cref="GenAIModels"/>; not owned).</param>
    /// <param name="draftTokens">K, or the largest K for adaptive modes.</param>
    /// <param name="draft">The draft's name, "n-gram", or <see langword="null"/>.</param>
    /// <param name="configure">Sets the speculative options on each generation's parameters.</param>
    /// <param name="speculative">Whether the generator reports speculative statistics.</param>
    /// <param name="intraOpThreads">The threads <paramref name="model"/> was loaded with, or <see langword="null"/> for GenAI's default.</param>
    public GenAIMode(string name, GenAI.Model model, int draftTokens, string? draft, Action<GenAI.GeneratorParams> configure, bool speculative, int? intraOpThreads)
        : base(intraOpThreads is null ? DefaultThreadsSystem : PeerSystem, name, draftTokens, draft)
    {
        _model = model;
        _configure = configure;
        _speculative = speculative;
        Threads = intraOpThreads?.ToString(CultureInfo.InvariantCulture) ?? "default (1)";
    }

    public override string Threads { get; }

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
