using System.CommandLine;

namespace FastDraft.Tool;

/// <summary>
/// What the training commands share: the corpus (<c>--corpus</c>, <c>--include</c>), the work folder, the seed, the batch,
/// the window and the threads, declared once for the recipe's commands and <c>train-model</c>.
/// </summary>
internal sealed class CorpusOptions(string workDescription, string sequenceDescription)
{
    public Option<string> Corpus { get; } = new("--corpus") { Description = "A folder of text files (recursive, see --include) or a text file listing paths one per line.", Required = true };

    public Option<string> Include { get; } = new("--include") { Description = "File-name pattern for a corpus folder.", DefaultValueFactory = _ => "*.py" };

    public Option<string?> Work { get; } = new("--work") { Description = workDescription };

    public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed of the split, initialisation, data order and sampling.", DefaultValueFactory = _ => 1234 };

    public Option<int?> BatchSize { get; } = new("--batch-size") { Description = "Sequences per optimizer step (default: 4,096 tokens per step)." };

    public Option<int?> SequenceLength { get; } = new("--sequence-length") { Description = sequenceDescription };

    public Option<int?> Threads { get; } = new("--threads") { Description = $"ONNX Runtime intra-op threads for training (default: the processors available, {Environment.ProcessorCount} here)." };

    /// <summary>Reads an optional count, checked by its option's name.</summary>
    public static int? Optional(ParseResult parsed, Option<int?> option, int least, int most) =>
        parsed.GetValue(option) is int value ? ToolArguments.InRange(value, least, most, option.Name) : null;
}
