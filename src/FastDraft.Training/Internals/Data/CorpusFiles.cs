using System.Text.Unicode;

namespace FastDraft.Training;

/// <summary>
/// Finds a corpus's files (a folder searched recursively, or a list naming one file per line) and checks them before
/// anything is tokenized, so that a wrong path fails at once with one exception naming it.
/// </summary>
internal static class CorpusFiles
{
    /// <summary>The files under <paramref name="folder"/> matching <paramref name="includePattern"/>, in ordinal order of their relative paths.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">No file matches.</exception>
    public static CorpusFile[] InFolder(string folder, string includePattern)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Corpus folder '{folder}' does not exist.");
        }

        string root = System.IO.Path.GetFullPath(folder);
        CorpusFile[] files = [.. Directory.EnumerateFiles(root, includePattern, SearchOption.AllDirectories)
            .Select(path => new CorpusFile(System.IO.Path.GetRelativePath(root, path).Replace('\\', '/'), path, 0))
            .OrderBy(f => f.Name, StringComparer.Ordinal)];
        return files.Length > 0 ? files : throw new InvalidDataException($"No file under '{folder}' matches '{includePattern}'.");
    }

    /// <summary>
    /// The files a list names (one path per line; blank lines and lines starting with <c>#</c> skipped; relative paths
    /// relative to the list's folder), each once, in ordinal order of the paths as listed.
    /// </summary>
    /// <exception cref="FileNotFoundException">The list does not exist, or names a path that is not a file (the first such line is named).</exception>
    /// <exception cref="InvalidDataException">The list is not UTF-8 text (a binary file given as the list), or names no file.</exception>
    public static CorpusFile[] InList(string listFile)
    {
        if (!File.Exists(listFile))
        {
            throw new FileNotFoundException($"Corpus list '{listFile}' does not exist.", listFile);
        }

        string text = TextFromList(listFile);
        string baseFolder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(listFile))!;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var files = new List<CorpusFile>();
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length > 0 && !line.StartsWith('#') && seen.Add(line))
            {
                files.Add(new CorpusFile(line, System.IO.Path.GetFullPath(System.IO.Path.Combine(baseFolder, line)), i + 1));
            }
        }

        if (files.Count == 0)
        {
            throw new InvalidDataException($"Corpus list '{listFile}' names no file.");
        }

        CorpusFile[] missing = [.. files.Where(f => !File.Exists(f.Path))];
        if (missing.Length > 0)
        {
            // One exception for the whole list, naming the first bad line: a run must not start on part of a corpus.
            CorpusFile first = missing[0];
            string what = Directory.Exists(first.Path) ? "a folder, not a file" : "a file that does not exist";
            string more = missing.Length == files.Count
                ? $" None of the {files.Count} paths it lists is a file: is '{listFile}' a list of files, one per line?"
                : missing.Length > 1 ? $" {missing.Length - 1} more listed paths are missing too." : string.Empty;
            throw new FileNotFoundException($"Corpus list '{listFile}' line {first.ListLine} names '{first.Name}', {what} (looked for '{first.Path}').{more}", first.Path);
        }

        return [.. files.OrderBy(f => f.Name, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Decodes a corpus file as strict UTF-8 (a leading byte-order mark dropped); <see langword="null"/>, with the reason,
    /// for a binary file (a NUL byte) or one that is not UTF-8, which would otherwise become replacement characters.
    /// </summary>
    public static string? DecodeText(byte[] bytes, out string? reason)
    {
        ReadOnlySpan<byte> content = bytes.AsSpan().StartsWith("\uFEFF"u8) ? bytes.AsSpan(3) : bytes;
        int nul = content.IndexOf((byte)0);
        if (nul >= 0)
        {
            reason = $"a NUL byte at offset {nul}: binary";
            return null;
        }

        char[] chars = new char[content.Length];
        if (Utf8.ToUtf16(content, chars, out int read, out int written, replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done)
        {
            reason = $"not UTF-8 (invalid bytes at offset {read})";
            return null;
        }

        reason = null;
        return new string(chars, 0, written);
    }

    private static string TextFromList(string listFile)
    {
        byte[] bytes = File.ReadAllBytes(listFile);
        return DecodeText(bytes, out string? reason) ?? throw new InvalidDataException(
            $"Corpus list '{listFile}' is not a text list of files ({reason}); give a folder, or a text file naming one file per line.");
    }
}
