using FastDraft.ModelWriter;

namespace FastDraft.Tests.Writer;

public sealed class Int4QuantizerTests
{
    /// <summary>Dequantizes as MatMulNBits does: B [N, blocks, 16] low nibble first, packed zero points [N, ⌈blocks / 2⌉].</summary>
    private static float[] Dequantize(byte[] packed, float[] scales, byte[] zeroPoints, int inputs, int outputs)
    {
        int blocks = (inputs + 31) / 32;
        int zeroPointBytes = (blocks + 1) / 2;
        var weights = new float[inputs * outputs];
        for (int n = 0; n < outputs; n++)
        {
            for (int k = 0; k < inputs; k++)
            {
                int block = k / 32;
                int q = (packed[(((n * blocks) + block) * 16) + ((k % 32) / 2)] >> (4 * (k % 2))) & 0xF;
                int zeroPoint = (zeroPoints[(n * zeroPointBytes) + (block / 2)] >> (4 * (block % 2))) & 0xF;
                weights[(k * outputs) + n] = (q - zeroPoint) * scales[(n * blocks) + block];
            }
        }

        return weights;
    }

    [Theory]
    [InlineData(64, 5)]
    [InlineData(96, 3)] // an odd number of blocks: the last zero-point byte is half used
    [InlineData(40, 2)] // a partial last block, padded
    public void Quantize_RoundTripsWithinHalfAStepPerBlock(int inputs, int outputs)
    {
        var random = new Random(inputs + outputs);
        float[] weights = [.. Enumerable.Range(0, inputs * outputs).Select(_ => (float)((random.NextDouble() * 2) - 0.7))];

        (byte[] packed, float[] scales, byte[] zeroPoints) = Int4Quantizer.Quantize(weights, inputs, outputs);
        float[] back = Dequantize(packed, scales, zeroPoints, inputs, outputs);

        Assert.Equal(outputs * ((inputs + 31) / 32) * 16, packed.Length);
        for (int i = 0; i < weights.Length; i++)
        {
            float scale = scales[((i % outputs) * ((inputs + 31) / 32)) + ((i / outputs) / 32)];
            Assert.True(Math.Abs(weights[i] - back[i]) <= (scale / 2) + 1e-6, $"weight {i}: {weights[i]} came back {back[i]} (step {scale})");
        }
    }

    [Fact]
    public void Quantize_PacksTheFirstValueOfAPairInTheLowNibble()
    {
        // One column, one block: values 0, 1, ..., 15 (then zeros): min 0, max 15, scale 1, zero point 0.
        float[] weights = [.. Enumerable.Range(0, 32).Select(i => i < 16 ? i : 0f)];

        (byte[] packed, float[] scales, byte[] zeroPoints) = Int4Quantizer.Quantize(weights, 32, 1);

        Assert.Equal([1f], scales);
        Assert.Equal([(byte)0], zeroPoints);
        Assert.Equal([0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE, 0, 0, 0, 0, 0, 0, 0, 0], packed);
    }

    [Fact]
    public void Quantize_NegativeBlock_GetsAZeroPointAboveZero_AndAnAllZeroBlockDequantizesToZero()
    {
        float[] weights = [.. Enumerable.Range(0, 64).Select(i => i < 32 ? -(i / 31f) : 0f)];

        (byte[] packed, float[] scales, byte[] zeroPoints) = Int4Quantizer.Quantize(weights, 64, 1);

        Assert.Equal(15, zeroPoints[0] & 0xF); // min −1, max 0: zero point at the top
        Assert.Equal(0f, scales[1]);
        Assert.All(Dequantize(packed, scales, zeroPoints, 64, 1)[32..], w => Assert.Equal(0f, w));
    }
}
