using System.Diagnostics;
using System.Globalization;

namespace FastDraft.Training;

/// <summary>The process's peak resident memory (the operating system's peak working set, VmHWM on Linux).</summary>
internal static class PeakMemory
{
    /// <summary>Gets the peak resident bytes of this process so far.</summary>
    public static long Bytes()
    {
        using Process process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }

    /// <summary>Formats bytes in GiB with two decimals, for progress lines and tables.</summary>
    public static string Format(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):F2} GiB");
}
