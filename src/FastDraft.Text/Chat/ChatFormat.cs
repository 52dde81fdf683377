namespace FastDraft.Text;

/// <summary>The chat prompt formats FastDraft writes.</summary>
public enum ChatFormat
{
    /// <summary><c>&lt;|im_start|&gt;role\n…&lt;|im_end|&gt;</c> (Qwen, many fine-tunes).</summary>
    ChatML,

    /// <summary><c>&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\n…&lt;|eot_id|&gt;</c> (Llama 3).</summary>
    Llama3,

    /// <summary><c>&lt;|user|&gt;\n…&lt;|end|&gt;\n</c> (Phi-3).</summary>
    Phi3,

    /// <summary><c>&lt;s&gt;[INST] &lt;&lt;SYS&gt;&gt;…&lt;&lt;/SYS&gt;&gt; … [/INST] … &lt;/s&gt;</c> (Llama 2 chat).</summary>
    Llama2,

    /// <summary><c>&lt;s&gt;[INST] … [/INST]…&lt;/s&gt;</c> (Mistral instruct v0.1; a system message opens the first user turn).</summary>
    Mistral,

    /// <summary><c>&lt;start_of_turn&gt;user\n…&lt;end_of_turn&gt;</c> (Gemma; a system message opens the first user turn).</summary>
    Gemma,

    /// <summary><c>User: …\nAssistant:</c>, for models without a chat template.</summary>
    Plain,

    /// <summary>The model's own Jinja template, of none of the families above (see <see cref="ChatTemplate.Jinja"/>); its turns end at the end-of-sequence token.</summary>
    Template,
}
