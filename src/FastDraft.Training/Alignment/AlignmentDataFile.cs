using System.Buffers.Binary;
using System.Text;

namespace FastDraft.Training;

/// <summary>
/// Reads and appends the alignment-data file (<c>*.fdad</c>): the sequences a target generated, written as they
/// are produced so that an interrupted run loses at most the sequence in progress.
/// </summary>
/// <remarks>
/// <para>Format, little-endian. Header (16 bytes): the ASCII magic <c>FDAD</c>, format version (int32, 1), the
/// vocabulary size (int32) and k, the number of top entries kept per continuation position (int32, 0 for none).
/// Then records, each: payload length in bytes (int32), the payload, and the payload length again (int32) as an
/// end marker. Payload: prompt length P (int32), continuation length C (int32), kind (int32: 0 greedy, 1 sampled),
/// P + C token ids (int32 each), then for each of the C positions k ids (int32) followed by k probabilities (float32).</para>
/// <para>A record whose end marker is missing or differs (a run stopped mid-write) ends the file: opening it for
/// appending cuts it there. The file is a plain append-only log, so a reader needs nothing but this description.</para>
/// <para>When generation finishes, the recipe seals the file with a 40-byte trailer that starts with the int32 −1
/// (so a reader stops there as at an incomplete record): a sealed file is never appended to again.</para>
/// </remarks>
public static class AlignmentDataFile
{
    private const int Version = 1;
    private const int HeaderSize = 16;
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("FDAD");

    /// <summary>Reads every complete sequence of a file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The vocabulary size and k from the header, and the sequences in file order.</returns>
    /// <exception cref="InvalidDataException">The file is not an alignment-data file, or a record contradicts the header.</exception>
    public static (int VocabularySize, int TopK, List<AlignmentSequence> Sequences) ReadAll(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        (int vocabulary, int topK) = ReadHeader(stream, path);
        var sequences = new List<AlignmentSequence>();
        while (ReadRecord(stream, path, vocabulary, topK) is { } sequence)
        {
            sequences.Add(sequence);
        }

        return (vocabulary, topK, sequences);
    }

    /// <summary>Opens a file for appending: creates it with a header, or checks an existing one and cuts an incomplete last record.</summary>
    internal static FileStream OpenForAppend(string path, int vocabularySize, int topK, out int existingSequences)
    {
        existingSequences = 0;
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            // Sealed data is what a checkpoint was made on; appending would shift it under the checkpoint.
            if (AlignmentDataSeal.IsSealed(stream))
            {
                throw new InvalidOperationException($"'{path}' is sealed (its generation finished), and a sealed file is never appended to; delete it (or run the recipe with --restart) to generate new data.");
            }

            if (stream.Length == 0)
            {
                Span<byte> header = stackalloc byte[HeaderSize];
                Magic.CopyTo(header);
                BinaryPrimitives.WriteInt32LittleEndian(header[4..], Version);
                BinaryPrimitives.WriteInt32LittleEndian(header[8..], vocabularySize);
                BinaryPrimitives.WriteInt32LittleEndian(header[12..], topK);
                stream.Write(header);
                stream.Flush(flushToDisk: true);
                return stream;
            }

            (int vocabulary, int k) = ReadHeader(stream, path);
            if (vocabulary != vocabularySize || k != topK)
            {
                throw new InvalidDataException($"'{path}' holds data for vocabulary {vocabulary} with top-{k} kept; this run asks for vocabulary {vocabularySize} with top-{topK}. Use another output file.");
            }

            long goodEnd = stream.Position;
            while (ReadRecord(stream, path, vocabulary, k) is not null)
            {
                existingSequences++;
                goodEnd = stream.Position;
            }

            stream.SetLength(goodEnd);
            stream.Position = goodEnd;
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Appends one record and flushes it to disk.</summary>
    internal static void Append(FileStream stream, ReadOnlySpan<int> tokens, int promptLength, ContinuationKind kind, ReadOnlySpan<int> topIds, ReadOnlySpan<float> topProbabilities, int topK)
    {
        int continuation = tokens.Length - promptLength;
        int payload = (12 + (4 * tokens.Length)) + (continuation * topK * 8);
        byte[] buffer = new byte[payload + 8];
        Span<byte> span = buffer;
        BinaryPrimitives.WriteInt32LittleEndian(span, payload);
        int at = 4;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], promptLength);
        BinaryPrimitives.WriteInt32LittleEndian(span[(at + 4)..], continuation);
        BinaryPrimitives.WriteInt32LittleEndian(span[(at + 8)..], (int)kind);
        at += 12;
        foreach (int token in tokens)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], token);
            at += 4;
        }

        for (int position = 0; position < continuation && topK > 0; position++)
        {
            for (int j = 0; j < topK; j++, at += 4)
            {
                BinaryPrimitives.WriteInt32LittleEndian(span[at..], topIds[(position * topK) + j]);
            }

            for (int j = 0; j < topK; j++, at += 4)
            {
                BinaryPrimitives.WriteSingleLittleEndian(span[at..], topProbabilities[(position * topK) + j]);
            }
        }

        BinaryPrimitives.WriteInt32LittleEndian(span[at..], payload);
        stream.Write(buffer);
        stream.Flush(flushToDisk: true);
    }

    internal static (int Vocabulary, int TopK) ReadHeader(Stream stream, string path)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        if (stream.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) < HeaderSize || !header[..4].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"'{path}' is not a FastDraft alignment-data file (no FDAD header).");
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        int vocabulary = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        int topK = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        if (version != Version || vocabulary < 1 || topK < 0 || topK > vocabulary)
        {
            throw new InvalidDataException($"'{path}' has an unsupported header (version {version}, vocabulary {vocabulary}, top-k {topK}).");
        }

        return (vocabulary, topK);
    }

    internal static AlignmentSequence? ReadRecord(Stream stream, string path, int vocabulary, int topK)
    {
        Span<byte> lengthBytes = stackalloc byte[4];
        long start = stream.Position;
        if (stream.ReadAtLeast(lengthBytes, 4, throwOnEndOfStream: false) < 4)
        {
            return null;
        }

        int payload = BinaryPrimitives.ReadInt32LittleEndian(lengthBytes);
        if (payload < 12 || payload > stream.Length - stream.Position - 4)
        {
            stream.Position = start;
            return null; // an interrupted write: the record is incomplete
        }

        byte[] buffer = new byte[payload + 4];
        stream.ReadExactly(buffer);
        ReadOnlySpan<byte> span = buffer;
        if (BinaryPrimitives.ReadInt32LittleEndian(span[payload..]) != payload)
        {
            stream.Position = start;
            return null;
        }

        int prompt = BinaryPrimitives.ReadInt32LittleEndian(span);
        int continuation = BinaryPrimitives.ReadInt32LittleEndian(span[4..]);
        int kind = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        if (prompt < 1 || continuation < 0 || kind is < 0 or > 1 || payload != 12 + (4L * (prompt + continuation)) + (8L * continuation * topK))
        {
            throw new InvalidDataException($"'{path}': the record at byte {start} is inconsistent (prompt {prompt}, continuation {continuation}, kind {kind}, {payload} bytes).");
        }

        int at = 12;
        int[] tokens = new int[prompt + continuation];
        for (int i = 0; i < tokens.Length; i++, at += 4)
        {
            tokens[i] = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
            if ((uint)tokens[i] >= (uint)vocabulary)
            {
                throw new InvalidDataException($"'{path}': the record at byte {start} holds token id {tokens[i]}, outside the vocabulary of {vocabulary}.");
            }
        }

        int[] ids = new int[continuation * topK];
        float[] probabilities = new float[continuation * topK];
        for (int position = 0; position < continuation && topK > 0; position++)
        {
            for (int j = 0; j < topK; j++, at += 4)
            {
                ids[(position * topK) + j] = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
            }

            for (int j = 0; j < topK; j++, at += 4)
            {
                probabilities[(position * topK) + j] = BinaryPrimitives.ReadSingleLittleEndian(span[at..]);
            }
        }

        return new AlignmentSequence(tokens, prompt, (ContinuationKind)kind, ids, probabilities);
    }
}
