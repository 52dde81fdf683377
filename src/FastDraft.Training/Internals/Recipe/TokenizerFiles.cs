namespace FastDraft.Training;

/// <summary>Copies a model folder's tokenizer files.</summary>
internal static class TokenizerFiles
{
    private static readonly string[] Names = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model"];

    public static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string name in Names)
        {
            string source = Path.Combine(from, name);
            if (File.Exists(source) && !string.Equals(Path.GetFullPath(source), Path.GetFullPath(Path.Combine(to, name)), StringComparison.Ordinal))
            {
                File.Copy(source, Path.Combine(to, name), overwrite: true);
            }
        }
    }
}
