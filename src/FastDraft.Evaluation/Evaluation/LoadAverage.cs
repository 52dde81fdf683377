using System.Globalization;

namespace FastDraft.Evaluation;

/// <summary>The system's load averages: runnable and waiting processes, averaged over 1, 5 and 15 minutes.</summary>
/// <param name="OneMinute">The 1-minute average.</param>
/// <param name="FiveMinutes">The 5-minute average.</param>
/// <param name="FifteenMinutes">The 15-minute average.</param>
public readonly record struct LoadAverage(double OneMinute, double FiveMinutes, double FifteenMinutes)
{
    private const string ProcFile = "/proc/loadavg";

    /// <summary>Reads the load averages from <c>/proc/loadavg</c>.</summary>
    /// <returns>The averages, or <see langword="null"/> where the file is absent (not Linux) or unreadable.</returns>
    public static LoadAverage? Read()
    {
        try
        {
            return File.Exists(ProcFile) ? Parse(File.ReadAllText(ProcFile)) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Parses <c>/proc/loadavg</c>'s text ("0.91 0.84 0.38 1/93 3816"); <see langword="null"/> when it is not that.</summary>
    internal static LoadAverage? Parse(string text)
    {
        string[] fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (fields.Length < 3)
        {
            return null;
        }

        var values = new double[3];
        for (int i = 0; i < 3; i++)
        {
            if (!double.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !(values[i] >= 0) || double.IsInfinity(values[i]))
            {
                return null;
            }
        }

        return new LoadAverage(values[0], values[1], values[2]);
    }
}
