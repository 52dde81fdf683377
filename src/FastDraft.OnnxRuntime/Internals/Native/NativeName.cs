using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastDraft.OnnxRuntime.Internals.Native;

/// <summary>A tensor name encoded once as zero-terminated UTF-8 in memory that never moves.</summary>
internal sealed unsafe class NativeName
{
    private readonly byte[] _bytes;

    public NativeName(string text)
    {
        Text = text;
        int length = System.Text.Encoding.UTF8.GetByteCount(text);
        _bytes = GC.AllocateArray<byte>(length + 1, pinned: true);
        System.Text.Encoding.UTF8.GetBytes(text, _bytes);
    }

    public string Text { get; }

    public byte* Pointer => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_bytes));

    public override string ToString() => Text;
}
