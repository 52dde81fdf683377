using System.CommandLine;
using FastDraft.ModelWriter;

namespace FastDraft.Tool;

/// <summary>
/// A decoder's shape (<c>--layers</c>, <c>--hidden</c>, <c>--heads</c>, <c>--kv-heads</c>, <c>--intermediate</c>), declared
/// once for the recipe's draft and for <c>train-model</c>. <c>train-model</c> has fixed defaults; the draft's follow from
/// the target (<see cref="Training.DraftRecipeOptions.DefaultShapeFor(string)"/>), and an option given overrides its one size.
/// </summary>
internal sealed class ShapeOptions
{
    private readonly DecoderSpec? _defaults;
    private readonly bool _checkHeads;
    private readonly Option<int?> _layers;
    private readonly Option<int?> _hidden;
    private readonly Option<int?> _heads;
    private readonly Option<int?> _kvHeads;
    private readonly Option<int?> _intermediate;

    private ShapeOptions(string model, DecoderSpec? defaults, bool checkHeads)
    {
        _defaults = defaults;
        _checkHeads = checkHeads;
        string Default(int? value) => value is { } v ? $" Default {v}." : " Default: from the target's shape (half its width, a sixth of its depth; see the README).";
        _layers = new("--layers") { Description = $"{model} layers.{Default(defaults?.Layers)}", HelpName = "N" };
        _hidden = new("--hidden") { Description = $"{model} width.{Default(defaults?.HiddenSize)}", HelpName = "N" };
        _heads = new("--heads") { Description = $"{model} query heads.{Default(defaults?.Heads)}", HelpName = "N" };
        _kvHeads = new("--kv-heads") { Description = $"{model} key/value heads.{Default(defaults?.KeyValueHeads)}", HelpName = "N" };
        _intermediate = new("--intermediate") { Description = $"{model} SwiGLU hidden size.{Default(defaults?.IntermediateSize)}", HelpName = "N" };
    }

    /// <summary>The recipe's draft: sizes from the target (the demo target's: 2 layers, width 128, 4 heads × 32, 1 key/value head, SwiGLU 352).</summary>
    public static ShapeOptions Draft() => new("Draft", null, checkHeads: true);

    /// <summary><c>train-model</c>'s decoder (the demo's target): 6 layers, width 256, 8 heads × 32, 2 key/value heads, SwiGLU 704.</summary>
    public static ShapeOptions Model() => new("Model", new DecoderSpec { Layers = 6, HiddenSize = 256, Heads = 8, KeyValueHeads = 2, IntermediateSize = 704 }, checkHeads: false);

    private Option<int?>[] All => [_layers, _hidden, _heads, _kvHeads, _intermediate];

    public void AddTo(Command command)
    {
        foreach (Option option in All)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Gets a value indicating whether any of the five sizes was given.</summary>
    public bool AnyGiven(ParseResult parsed) => All.Any(o => parsed.GetValue(o) is not null);

    /// <summary>
    /// Reads the shape, each value checked by its option's name (and, for a draft, the heads against the width), as a
    /// <see cref="DecoderSpec"/> whose other members keep their defaults for the caller to set. Sizes not given come from
    /// <paramref name="defaults"/> (required for a draft) or this command's fixed defaults.
    /// </summary>
    public DecoderSpec Read(ParseResult parsed, DecoderSpec? defaults = null)
    {
        DecoderSpec basis = defaults ?? _defaults ?? throw new ArgumentNullException(nameof(defaults));
        int layers = ToolArguments.InRange(parsed.GetValue(_layers) ?? basis.Layers, 1, 64, _layers.Name);
        int hidden = ToolArguments.InRange(parsed.GetValue(_hidden) ?? basis.HiddenSize, 16, 8192, _hidden.Name);
        int heads = ToolArguments.InRange(parsed.GetValue(_heads) ?? basis.Heads, 1, 256, _heads.Name);
        int keyValueHeads = ToolArguments.InRange(parsed.GetValue(_kvHeads) ?? basis.KeyValueHeads, 1, 256, _kvHeads.Name);
        int intermediate = ToolArguments.InRange(parsed.GetValue(_intermediate) ?? basis.IntermediateSize, 1, 65536, _intermediate.Name);
        if (_checkHeads)
        {
            ToolArguments.CheckHeads(hidden, heads, keyValueHeads); // the draft's training graph needs heads a multiple of 16 wide
        }

        return new DecoderSpec { Layers = layers, HiddenSize = hidden, Heads = heads, KeyValueHeads = keyValueHeads, IntermediateSize = intermediate };
    }
}
