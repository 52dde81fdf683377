using FastDraft.ModelWriter;

namespace FastDraft.Training.Graph;

/// <summary>The trainable tensors of a <see cref="DecoderSpec"/>: their flat layout, seeded initial values and export.</summary>
internal static class DecoderParameters
{
    public const string Embedding = "model.embed_tokens.weight";
    public const string FinalNorm = "model.norm.weight";
    public const string Head = "lm_head.weight";

    /// <summary>Standard deviation of the initial matrices (GPT-2's choice; residual outputs are further scaled by 1/√(2·layers)).</summary>
    public const double InitialStd = 0.02;

    /// <summary>
    /// The layout in graph-input order: embedding; per layer input norm, q, k, v, o, post-attention norm, gate, up,
    /// down; final norm; head (untied only; [hidden, M] when trimmed). Names and shapes are those of <see cref="LlamaModelWriter"/>'s initializers.
    /// </summary>
    public static ParameterLayout Layout(DecoderSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int h = spec.HiddenSize;
        int qWidth = spec.Heads * spec.EffectiveHeadSize;
        int kvWidth = spec.KeyValueHeads * spec.EffectiveHeadSize;
        int m = spec.IntermediateSize;
        var tensors = new List<ParameterTensor>();
        long offset = 0;
        void Add(string name, bool decay, params int[] shape)
        {
            var tensor = new ParameterTensor(name, shape, offset, decay);
            tensors.Add(tensor);
            offset += tensor.Count;
        }

        Add(Embedding, true, spec.VocabularySize, h);
        for (int layer = 0; layer < spec.Layers; layer++)
        {
            string p = $"model.layers.{layer}";
            Add($"{p}.input_layernorm.weight", false, h);
            Add($"{p}.self_attn.q_proj.weight", true, h, qWidth);
            Add($"{p}.self_attn.k_proj.weight", true, h, kvWidth);
            Add($"{p}.self_attn.v_proj.weight", true, h, kvWidth);
            Add($"{p}.self_attn.o_proj.weight", true, qWidth, h);
            Add($"{p}.post_attention_layernorm.weight", false, h);
            Add($"{p}.mlp.gate_proj.weight", true, h, m);
            Add($"{p}.mlp.up_proj.weight", true, h, m);
            Add($"{p}.mlp.down_proj.weight", true, m, h);
        }

        Add(FinalNorm, false, h);
        if (!spec.TiedEmbeddings)
        {
            Add(Head, true, h, spec.HeadWidth);
        }

        return new ParameterLayout(tensors);
    }

    /// <summary>
    /// Fills <paramref name="parameters"/> with seeded initial values: norm gains 1, matrices normal(0, 0.02), the
    /// residual outputs (o_proj, down_proj) normal(0, 0.02/√(2·layers)). Each tensor draws from its own stream keyed by
    /// (seed, name), so the values do not depend on the order or presence of other tensors.
    /// </summary>
    public static void Initialize(DecoderSpec spec, ParameterLayout layout, Span<float> parameters, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentOutOfRangeException.ThrowIfNotEqual(parameters.Length, layout.TotalCount);
        double residualStd = InitialStd / Math.Sqrt(2.0 * spec.Layers);
        foreach (ParameterTensor tensor in layout.Tensors)
        {
            Span<float> values = parameters.Slice((int)tensor.Offset, (int)tensor.Count);
            if (!tensor.WeightDecay)
            {
                values.Fill(1f);
                continue;
            }

            bool residual = tensor.Name.EndsWith("o_proj.weight", StringComparison.Ordinal) || tensor.Name.EndsWith("down_proj.weight", StringComparison.Ordinal);
            FillNormal(values, residual ? residualStd : InitialStd, new SeededRandom(seed, tensor.Name));
        }
    }

    /// <summary>Writes the parameters as an ONNX Runtime GenAI folder with <see cref="LlamaModelWriter"/> (the spec's attention flavour).</summary>
    public static void Export(DecoderSpec spec, ParameterLayout layout, ReadOnlyMemory<float> parameters, string directory)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentOutOfRangeException.ThrowIfNotEqual(parameters.Length, layout.TotalCount);
        var byName = layout.Tensors.ToDictionary(t => t.Name);
        LlamaModelWriter.Write(spec, directory, name => byName.TryGetValue(name, out ParameterTensor? tensor)
            ? parameters.Slice((int)tensor.Offset, (int)tensor.Count)
            : throw new ArgumentException($"The layout has no tensor '{name}'.", nameof(layout)));
    }

    /// <summary>
    /// Reads the parameters of a decoder this layout exported (<see cref="Export"/>) back from its model folder, so a
    /// finished model can be trained further: every tensor of the layout must be an initializer of the same size.
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor is missing or has another size (a model of another shape).</exception>
    public static float[] Import(ParameterLayout layout, string folder)
    {
        ArgumentNullException.ThrowIfNull(layout);
        string modelFile = Path.Combine(folder, "model.onnx");
        if (!File.Exists(modelFile))
        {
            throw new FileNotFoundException($"'{folder}' holds no model.onnx to continue from.", modelFile);
        }

        var byName = OnnxFloatInitializer.ReadAll(modelFile).ToDictionary(t => t.Name);
        float[] parameters = new float[layout.TotalCount];
        foreach (ParameterTensor tensor in layout.Tensors)
        {
            if (!byName.TryGetValue(tensor.Name, out OnnxFloatInitializer? initializer) || initializer.Elements != tensor.Count)
            {
                throw new InvalidDataException($"'{modelFile}' is not a model of this shape: {(initializer is null ? "it has no" : $"its {initializer.Elements:N0}-value")} '{tensor.Name}' {(initializer is null ? string.Empty : $"is not the {tensor.Count:N0} values expected")}.");
            }

            initializer.ReadValues(folder, modelFile).CopyTo(parameters.AsSpan((int)tensor.Offset, (int)tensor.Count));
        }

        return parameters;
    }

    private static void FillNormal(Span<float> values, double std, SeededRandom random)
    {
        // Box-Muller, two values per pair of uniforms.
        for (int i = 0; i < values.Length; i += 2)
        {
            double u1 = 1.0 - random.NextDouble();
            double u2 = random.NextDouble();
            double radius = std * Math.Sqrt(-2.0 * Math.Log(u1));
            values[i] = (float)(radius * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < values.Length)
            {
                values[i + 1] = (float)(radius * Math.Sin(2 * Math.PI * u2));
            }
        }
    }
}
