using System.Buffers.Binary;
using System.Runtime.Intrinsics.X86;
using ArmCrc = System.Runtime.Intrinsics.Arm.Crc32;

namespace FastDraft.Training;

/// <summary>CRC-32C (Castagnoli, reflected, polynomial 0x82F63B78): the SSE 4.2 / ARMv8 instruction where present, a table otherwise.</summary>
internal static class Crc32C
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>Continues a CRC over more bytes; start from 0 and the value is the standard CRC-32C (check value of "123456789": 0xE3069283).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint state = ~crc;
        if (Sse42.X64.IsSupported)
        {
            ulong wide = state;
            while (data.Length >= 8)
            {
                wide = Sse42.X64.Crc32(wide, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }

            state = (uint)wide;
        }
        else if (ArmCrc.Arm64.IsSupported)
        {
            while (data.Length >= 8)
            {
                state = ArmCrc.Arm64.ComputeCrc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }
        }

        return ~Software(state, data);
    }

    /// <summary>The table path alone, for tests on machines with the instruction.</summary>
    internal static uint AppendSoftware(uint crc, ReadOnlySpan<byte> data) => ~Software(~crc, data);

    private static uint Software(uint state, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            state = Table[(byte)(state ^ b)] ^ (state >> 8);
        }

        return state;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint value = i;
            for (int bit = 0; bit < 8; bit++)
            {
                value = (value & 1) != 0 ? (value >> 1) ^ 0x82F63B78u : value >> 1;
            }

            table[i] = value;
        }

        return table;
    }
}
