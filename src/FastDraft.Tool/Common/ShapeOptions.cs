using System.CommandLine;
using FastDraft.ModelWriter;

namespace FastDraft.Tool;

/// <summary>
/// A decoder's shape (<c>--layers</c>, <c>--hidden</c>, <c>--heads</c>, <c>--kv-heads</c>, <c>--intermediate</c>), declared
/// once for the recipe's draft and for <c>train-model</c>; each gives its own defaults.
/// </summary>
internal sealed class ShapeOptions(string model, int layers, int hidden, int heads, int keyValueHeads, int intermediate, bool checkHeads)
{
    private readonly Option<int> _layers = new("--layers") { Description = $"{model} layers.", DefaultValueFactory = _ => layers };
    private readonly Option<int> _hidden = new("--hidden") { Description = $"{model} width.", DefaultValueFactory = _ => hidden };
    private readonly Option<int> _heads = new("--heads") { Description = $"{model} query heads.", DefaultValueFactory = _ => heads };
    private readonly Option<int> _kvHeads = new("--kv-heads") { Description = $"{model} key/value heads.", DefaultValueFactory = _ => keyValueHeads };
    private readonly Option<int> _intermediate = new("--intermediate") { Description = $"{model} SwiGLU hidden size.", DefaultValueFactory = _ => intermediate };

    /// <summary>The recipe's draft: 2 layers, width 128, 4 heads × 32, 1 key/value head, SwiGLU 352.</summary>
    public static ShapeOptions Draft() => new("Draft", 2, 128, 4, 1, 352, checkHeads: true);

    /// <summary><c>train-model</c>'s decoder (the demo's target): 6 layers, width 256, 8 heads × 32, 2 key/value heads, SwiGLU 704.</summary>
    public static ShapeOptions Model() => new("Model", 6, 256, 8, 2, 704, checkHeads: false);

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _layers, _hidden, _heads, _kvHeads, _intermediate })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>
    /// Reads the shape, each value checked by its option's name (and, for a draft, the heads against the width), as a
    /// <see cref="DecoderSpec"/> whose other members keep their defaults for the caller to set.
    /// </summary>
    public DecoderSpec Read(ParseResult parsed)
    {
        int layers = ToolArguments.InRange(parsed.GetValue(_layers), 1, 64, _layers.Name);
        int hidden = ToolArguments.InRange(parsed.GetValue(_hidden), 16, 8192, _hidden.Name);
        int heads = ToolArguments.InRange(parsed.GetValue(_heads), 1, 256, _heads.Name);
        int keyValueHeads = ToolArguments.InRange(parsed.GetValue(_kvHeads), 1, 256, _kvHeads.Name);
        int intermediate = ToolArguments.InRange(parsed.GetValue(_intermediate), 1, 65536, _intermediate.Name);
        if (checkHeads)
        {
            ToolArguments.CheckHeads(hidden, heads, keyValueHeads); // the draft's training graph needs heads a multiple of 16 wide
        }

        return new DecoderSpec { Layers = layers, HiddenSize = hidden, Heads = heads, KeyValueHeads = keyValueHeads, IntermediateSize = intermediate };
    }
}
