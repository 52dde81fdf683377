namespace FastDraft.ModelWriter;

/// <summary>
/// Quantizes an [in, out] float32 projection for com.microsoft <c>MatMulNBits</c> (4 bits, blocks of 32 along
/// the input dimension): per output column and block, scale = (max − min) / 15 over the block's values and 0,
/// zero point = round(−min / scale), q = clamp(round(w / scale) + zero point, 0, 15); dequantized as
/// (q − zero point) · scale. Blocks past the input size are padded with zeros (q = zero point).
/// </summary>
internal static class Int4Quantizer
{
    public const int BlockSize = 32;
    public const int Bits = 4;
    public const int BlobSize = BlockSize * Bits / 8;
    private const int MaxLevel = (1 << Bits) - 1;

    /// <summary>Blocks per output column.</summary>
    public static int Blocks(int inputs) => (inputs + BlockSize - 1) / BlockSize;

    /// <summary>Bytes of packed zero points per output column.</summary>
    public static int ZeroPointBytes(int inputs) => (Blocks(inputs) + 1) / 2;

    /// <summary>
    /// Quantizes row-major <paramref name="weights"/> [<paramref name="inputs"/>, <paramref name="outputs"/>] into the
    /// operator's B [out, blocks, 16] (low nibble first), scales [out × blocks] and packed zero points [out × ⌈blocks / 2⌉].
    /// </summary>
    public static (byte[] Packed, float[] Scales, byte[] ZeroPoints) Quantize(ReadOnlySpan<float> weights, int inputs, int outputs)
    {
        if (weights.Length != (long)inputs * outputs)
        {
            throw new ArgumentException($"Expected {(long)inputs * outputs} weights, got {weights.Length}.", nameof(weights));
        }

        int blocks = Blocks(inputs);
        int zeroPointBytes = ZeroPointBytes(inputs);
        var packed = new byte[(long)outputs * blocks * BlobSize];
        var scales = new float[(long)outputs * blocks];
        var zeroPoints = new byte[(long)outputs * zeroPointBytes];
        Span<float> block = stackalloc float[BlockSize];
        for (int column = 0; column < outputs; column++)
        {
            for (int b = 0; b < blocks; b++)
            {
                block.Clear();
                int first = b * BlockSize;
                int count = Math.Min(BlockSize, inputs - first);
                float min = 0, max = 0;
                for (int i = 0; i < count; i++)
                {
                    float w = weights[((first + i) * outputs) + column];
                    block[i] = w;
                    min = Math.Min(min, w);
                    max = Math.Max(max, w);
                }

                float scale = (max - min) / MaxLevel;
                int zeroPoint = scale == 0 ? 0 : Math.Clamp((int)MathF.Round(-min / scale), 0, MaxLevel);
                int index = (column * blocks) + b;
                scales[index] = scale;
                zeroPoints[(column * zeroPointBytes) + (b / 2)] |= (byte)(zeroPoint << (4 * (b % 2)));
                int blob = index * BlobSize;
                for (int i = 0; i < BlockSize; i++)
                {
                    int q = scale == 0 ? zeroPoint : Math.Clamp((int)MathF.Round(block[i] / scale) + zeroPoint, 0, MaxLevel);
                    packed[blob + (i / 2)] |= (byte)(q << (4 * (i % 2)));
                }
            }
        }

        return (packed, scales, zeroPoints);
    }
}
