using System.Text.Json;

namespace FastDraft.Training;

/// <summary>
/// A work folder's <c>run.json</c>: the fingerprint of the run whose files it holds, where its target and corpus were
/// (for people; not compared), and the output folders it exported the aligned draft into (which a rerun may overwrite
/// without <c>--force</c>, since they hold its own earlier export).
/// </summary>
internal sealed record RunRecord(RunFingerprint Fingerprint, string TargetPath, string CorpusPath, IReadOnlyList<string> Exported)
{
    public const string FileName = "run.json";
    private const int Format = 1;

    /// <summary>Reads a work folder's record, or returns <see langword="null"/> when it has none.</summary>
    /// <exception cref="InvalidDataException">The file is not a record this version reads.</exception>
    public static RunRecord? TryRead(string work)
    {
        string path = Path.Combine(work, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = document.RootElement;
            if (root.GetProperty("format").GetInt32() != Format)
            {
                throw new InvalidDataException($"'{path}' has format {root.GetProperty("format")}; this version reads format {Format}. Use another --work, or --restart to start over.");
            }

            return new RunRecord(
                RunFingerprint.ReadFrom(root),
                root.GetProperty("target").GetString() ?? string.Empty,
                root.GetProperty("corpus_path").GetString() ?? string.Empty,
                [.. root.GetProperty("exported").EnumerateArray().Select(e => e.GetString() ?? string.Empty)]);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"'{path}' is not a readable run record ({ex.Message.Split('\n')[0]}); use another --work, or --restart to start over.", ex);
        }
    }

    /// <summary>Writes the record into a work folder, atomically.</summary>
    public void Write(string work)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("format", Format);
            Fingerprint.WriteTo(json);
            json.WriteString("target", TargetPath);
            json.WriteString("corpus_path", CorpusPath);
            json.WriteStartArray("exported");
            foreach (string folder in Exported)
            {
                json.WriteStringValue(folder);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        AtomicFile.Write(Path.Combine(work, FileName), buffer.ToArray());
    }
}
