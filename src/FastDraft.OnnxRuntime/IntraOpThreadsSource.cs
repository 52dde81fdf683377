namespace FastDraft.OnnxRuntime;

/// <summary>What set a model's intra-op thread count (<see cref="OnnxCausalLM.IntraOpThreadsSource"/>).</summary>
public enum IntraOpThreadsSource
{
    /// <summary><see cref="OnnxModelOptions.IntraOpThreads"/>: the caller's count, which always wins.</summary>
    Options,

    /// <summary>The model folder's <c>genai_config.json</c> (<c>decoder.session_options.intra_op_num_threads</c>).</summary>
    Configuration,

    /// <summary>
    /// Chosen at load from the model's size, when neither of the others sets a count: one thread per 6 MiB of weights
    /// (<see cref="OnnxCausalLM.WeightBytes"/>), at least one, at most <see cref="OnnxModelOptions.DefaultIntraOpThreads"/>
    /// (README, "Threads"). Draft and target are decided separately.
    /// </summary>
    Automatic,
}
