using FastDraft.OnnxRuntime.Internals.Config;
using FastDraft.OnnxRuntime.Internals.Native;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FastDraft.OnnxRuntime.Internals.Graph;

/// <summary>
/// Everything needed to bind a decoder graph, resolved from its configuration and checked against
/// the session's real inputs and outputs, which win: configurations can name inputs the graph lacks.
/// </summary>
internal sealed record DecoderLayout
{
    public required string ModelPath { get; init; }
    public required NativeName InputIds { get; init; }
    public required TensorElementType IdsType { get; init; }
    public NativeName? AttentionMask { get; init; }
    public TensorElementType MaskType { get; init; }
    public NativeName? PositionIds { get; init; }
    public TensorElementType PositionType { get; init; }
    public required NativeName Logits { get; init; }
    public required TensorElementType LogitsType { get; init; }
    public required int VocabularySize { get; init; }
    public required KvFormat KvFormat { get; init; }
    public required int Layers { get; init; }
    public required int KvHeads { get; init; }
    public required int HeadSize { get; init; }
    public required TensorElementType KvType { get; init; }
    public required KvTensor[] Kv { get; init; }

    /// <summary>Gets a value indicating whether every layer's past and present feed one GroupQueryAttention node, so both can be one buffer.</summary>
    public required bool SupportsSharedBuffer { get; init; }

    /// <summary>Gets the number of [sequence, head size] blocks in one past tensor of batch 1.</summary>
    public int KvBlocks => KvFormat == KvFormat.Packed ? 2 * KvHeads : KvHeads;

    public static DecoderLayout Resolve(string modelPath, ModelFolderConfig config, InferenceSession session, List<AttentionNode> groupQueryAttention)
    {
        IReadOnlyDictionary<string, NodeMetadata> inputs = session.InputMetadata;
        IReadOnlyDictionary<string, NodeMetadata> outputs = session.OutputMetadata;

        KvNaming naming = KvNaming.Choose(config, inputs.Keys);
        if (!inputs.TryGetValue(config.InputIdsName, out NodeMetadata? ids))
        {
            throw new InvalidModelException($"Model '{modelPath}' has no input '{config.InputIdsName}' for token ids; its inputs are {List(inputs.Keys)}.", modelPath);
        }

        RefuseUnknownInputs(modelPath, config, inputs.Keys, naming);

        TensorElementType idsType = IntegerType(modelPath, config.InputIdsName, ids);
        NodeMetadata? mask = inputs.GetValueOrDefault(config.AttentionMaskName);
        NodeMetadata? positions = inputs.GetValueOrDefault(config.PositionIdsName);

        if (!outputs.TryGetValue(config.LogitsName, out NodeMetadata? logits))
        {
            throw new InvalidModelException($"Model '{modelPath}' has no output '{config.LogitsName}' for logits; its outputs are {List(outputs.Keys)}.", modelPath);
        }

        if (logits.ElementDataType is not (TensorElementType.Float or TensorElementType.Float16 or TensorElementType.BFloat16) || logits.Dimensions.Length != 3)
        {
            throw new InvalidModelException($"Model '{modelPath}': output '{config.LogitsName}' must be a float, float16 or bfloat16 tensor [batch, sequence, vocabulary], but is {logits.ElementDataType} of rank {logits.Dimensions.Length}.", modelPath);
        }

        int vocabulary = Agree(modelPath, "vocabulary size", $"output '{config.LogitsName}' dimension 2", logits.Dimensions[2], config.VocabularySize, ModelFolderConfig.MaxVocabularySize);

        int graphLayers = naming.CountLayers(inputs.Keys);
        if (config.Layers is int declared && graphLayers > 0 && graphLayers <= ModelFolderConfig.MaxLayers && declared != graphLayers)
        {
            // Said in the configuration's terms: binding only the declared layers would fail inside ONNX Runtime
            // ("Missing Input: past_key_values.1.key"), and declaring more would name inputs the graph lacks.
            string last = naming.PastPatterns[0].Replace("%d", (graphLayers - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            throw new InvalidModelException(
                $"Model configuration '{config.ConfigPath}' says \"num_hidden_layers\" is {declared}, but the graph '{modelPath}' has {graphLayers} layers " +
                $"(key/value cache inputs '{naming.PastPatterns[0].Replace("%d", "0", StringComparison.Ordinal)}' to '{last}'): the configuration does not describe this model. Correct num_hidden_layers to {graphLayers}, or pair the configuration with its own model.onnx.",
                config.ConfigPath);
        }

        int layers = config.Layers ?? graphLayers;
        if (layers > ModelFolderConfig.MaxLayers)
        {
            throw new InvalidModelException($"Model '{modelPath}': the graph's cache inputs (looked for {string.Join(" / ", naming.PastPatterns)}) number layers up to {layers - 1}, more than the {ModelFolderConfig.MaxLayers} accepted.", modelPath);
        }

        if (layers <= 0)
        {
            throw new ModelNotSupportedException($"Model '{modelPath}' has no key/value cache inputs (looked for {string.Join(" / ", naming.PastPatterns)}): decoding without a cache is not supported.");
        }

        var kv = new List<KvTensor>();
        NodeMetadata? firstPast = null;
        for (int layer = 0; layer < layers; layer++)
        {
            for (int part = 0; part < naming.PastPatterns.Length; part++)
            {
                string past = naming.PastPatterns[part].Replace("%d", layer.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
                string present = naming.PresentPatterns[part].Replace("%d", layer.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
                if (!inputs.TryGetValue(past, out NodeMetadata? pastMeta))
                {
                    throw new InvalidModelException($"Model '{modelPath}' has no input '{past}' although {(config.Layers is null ? "the graph" : "the configuration")} declares {layers} layers; its inputs are {List(inputs.Keys)}.", modelPath);
                }

                if (!outputs.ContainsKey(present))
                {
                    throw new InvalidModelException($"Model '{modelPath}' has no output '{present}' to continue input '{past}'; its outputs are {List(outputs.Keys)}.", modelPath);
                }

                firstPast ??= pastMeta;
                if (pastMeta.ElementDataType != firstPast.ElementDataType || pastMeta.Dimensions.Length != firstPast.Dimensions.Length)
                {
                    throw new InvalidModelException($"Model '{modelPath}': input '{past}' is {pastMeta.ElementDataType} of rank {pastMeta.Dimensions.Length}, unlike the other cache inputs.", modelPath);
                }

                kv.Add(new KvTensor(new NativeName(past), new NativeName(present)));
            }
        }

        int expectedRank = naming.Format == KvFormat.Packed ? 5 : 4;
        if (firstPast!.Dimensions.Length != expectedRank)
        {
            throw new InvalidModelException($"Model '{modelPath}': cache input '{kv[0].Past}' has rank {firstPast.Dimensions.Length}, expected {expectedRank} for this layout.", modelPath);
        }

        int headAxis = naming.Format == KvFormat.Packed ? 2 : 1;
        int kvHeads = Agree(modelPath, "key/value head count", $"input '{kv[0].Past}' dimension {headAxis}", firstPast.Dimensions[headAxis], config.KeyValueHeads, ModelFolderConfig.MaxKeyValueHeads);
        int headSize = Agree(modelPath, "head size", $"input '{kv[0].Past}' dimension {expectedRank - 1}", firstPast.Dimensions[expectedRank - 1], config.HeadSize, ModelFolderConfig.MaxHeadSize);

        var gqa = groupQueryAttention.ToHashSet();
        bool shared = naming.Format == KvFormat.KeyValue && Enumerable.Range(0, layers).All(layer =>
            gqa.Contains(new AttentionNode(kv[2 * layer].Past.Text, kv[(2 * layer) + 1].Past.Text, kv[2 * layer].Present.Text, kv[(2 * layer) + 1].Present.Text)));

        return new DecoderLayout
        {
            ModelPath = modelPath,
            InputIds = new NativeName(config.InputIdsName),
            IdsType = idsType,
            AttentionMask = mask is null ? null : new NativeName(config.AttentionMaskName),
            MaskType = mask is null ? TensorElementType.Int64 : IntegerType(modelPath, config.AttentionMaskName, mask),
            PositionIds = positions is null ? null : new NativeName(config.PositionIdsName),
            PositionType = positions is null ? TensorElementType.Int64 : IntegerType(modelPath, config.PositionIdsName, positions),
            Logits = new NativeName(config.LogitsName),
            LogitsType = logits.ElementDataType,
            VocabularySize = vocabulary,
            KvFormat = naming.Format,
            Layers = layers,
            KvHeads = kvHeads,
            HeadSize = headSize,
            KvType = firstPast.ElementDataType,
            Kv = [.. kv],
            SupportsSharedBuffer = shared,
        };
    }

    private static void RefuseUnknownInputs(string modelPath, ModelFolderConfig config, IEnumerable<string> inputs, KvNaming naming)
    {
        foreach (string input in inputs)
        {
            if (input != config.InputIdsName && input != config.AttentionMaskName && input != config.PositionIdsName && !naming.IsPast(input))
            {
                throw new ModelNotSupportedException(
                    $"Model '{modelPath}' has input '{input}', which is neither token ids, attention mask, position ids nor a key/value cache input. " +
                    "FastDraft must be able to roll every piece of state back to any earlier length; recurrent or convolution state (as in hybrid models) cannot be, so this model is not supported.");
            }
        }
    }

    private static TensorElementType IntegerType(string modelPath, string name, NodeMetadata meta) =>
        meta.ElementDataType is TensorElementType.Int64 or TensorElementType.Int32
            ? meta.ElementDataType
            : throw new InvalidModelException($"Model '{modelPath}': input '{name}' must be int64 or int32, but is {meta.ElementDataType}.", modelPath);

    private static int Agree(string modelPath, string what, string graphPlace, int graphValue, int? configValue, int max)
    {
        // The graph is as much outside input as the configuration: its sizes are bounded too, since they size native buffers.
        if (graphValue > max)
        {
            throw new InvalidModelException($"Model '{modelPath}': the graph's {graphPlace} says the {what} is {graphValue}, more than the {max} accepted.", modelPath);
        }

        if (graphValue > 0 && configValue is int claimed && claimed != graphValue)
        {
            throw new InvalidModelException($"Model '{modelPath}': the configuration says the {what} is {claimed}, but the graph's {graphPlace} is {graphValue}.", modelPath);
        }

        return graphValue > 0 ? graphValue
            : configValue ?? throw new InvalidModelException($"Model '{modelPath}': the {what} is symbolic in the graph ({graphPlace}) and the configuration does not state it.", modelPath);
    }

    private static string List(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));

    /// <summary>The name patterns of the cache tensors, from the configuration or recognised in the graph.</summary>
    private sealed record KvNaming(KvFormat Format, string[] PastPatterns, string[] PresentPatterns)
    {
        private static readonly KvNaming[] Conventions =
        [
            new(KvFormat.KeyValue, ["past_key_values.%d.key", "past_key_values.%d.value"], ["present.%d.key", "present.%d.value"]),
            new(KvFormat.KeyValue, ["past.%d.key", "past.%d.value"], ["present.%d.key", "present.%d.value"]),
            new(KvFormat.KeyValue, ["past_key_%d", "past_value_%d"], ["present_key_%d", "present_value_%d"]),
            new(KvFormat.Packed, ["past_%d"], ["present_%d"]),
        ];

        public static KvNaming Choose(ModelFolderConfig config, IEnumerable<string> inputs)
        {
            if (config.PastPackedPattern is { } packed)
            {
                return new KvNaming(KvFormat.Packed, [packed], [config.PresentPackedPattern ?? "present_%d"]);
            }

            if (config.PastKeyPattern is { } key && config.PastValuePattern is { } value)
            {
                return new KvNaming(KvFormat.KeyValue, [key, value], [config.PresentKeyPattern ?? "present.%d.key", config.PresentValuePattern ?? "present.%d.value"]);
            }

            if (config.PastKeyPattern is not null || config.PastValuePattern is not null)
            {
                throw new InvalidModelException($"Malformed model configuration '{config.ConfigPath}': past_key_names and past_value_names must be given together.", config.ConfigPath);
            }

            string[] names = [.. inputs];
            return Conventions.FirstOrDefault(c => names.Any(c.IsPast)) ?? Conventions[0];
        }

        public bool IsPast(string input) => PastPatterns.Any(p => LayerOf(p, input) >= 0);

        public int CountLayers(IEnumerable<string> inputs) =>
            inputs.Select(i => LayerOf(PastPatterns[0], i)).DefaultIfEmpty(-1).Max() + 1;

        private static int LayerOf(string pattern, string name)
        {
            int at = pattern.IndexOf("%d", StringComparison.Ordinal);
            string prefix = pattern[..at];
            string suffix = pattern[(at + 2)..];
            if (name.Length <= prefix.Length + suffix.Length || !name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(suffix, StringComparison.Ordinal))
            {
                return -1;
            }

            ReadOnlySpan<char> digits = name.AsSpan(prefix.Length, name.Length - prefix.Length - suffix.Length);
            return !digits.ContainsAnyExceptInRange('0', '9') && int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int layer) && layer < int.MaxValue
                ? layer
                : int.MaxValue - 1; // a layer number too large to be real: counted, then refused as too many layers
        }
    }
}
