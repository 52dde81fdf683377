namespace FastDraft.Tool;

/// <summary>Checks of argument values the commands share; each message names the option, as the user typed it.</summary>
internal static class ToolArguments
{
    /// <summary>Reads a <c>--minutes</c> value as a budget, refusing what is not a positive number of minutes.</summary>
    public static TimeSpan Budget(double minutes) => minutes is > 0 and < 100_000
        ? TimeSpan.FromMinutes(minutes)
        : throw new ArgumentException($"--minutes must be a positive number of minutes; got {minutes}.");

    /// <summary>Refuses a value outside [<paramref name="least"/>, <paramref name="most"/>].</summary>
    public static int InRange(int value, int least, int most, string option) => value >= least && value <= most
        ? value
        : throw new ArgumentException($"{option} must be between {least} and {most}; got {value}.");

    /// <summary>Refuses a <c>--threads</c> value below 1 (or absurdly large); <see langword="null"/> (every available processor) passes.</summary>
    public static int? Threads(int? threads) => threads is null or (>= 1 and <= 1024)
        ? threads
        : throw new ArgumentException($"--threads must be between 1 and 1024 (leave it out for every available processor); got {threads}.");

    /// <summary>Refuses head counts the draft's attention cannot have: query heads in groups of key/value heads, each head a multiple of 16 wide.</summary>
    public static void CheckHeads(int hidden, int heads, int keyValueHeads)
    {
        if (heads % keyValueHeads != 0)
        {
            throw new ArgumentException($"--heads ({heads}) must be a multiple of --kv-heads ({keyValueHeads}).");
        }

        if (hidden % heads != 0 || (hidden / heads) % 16 != 0)
        {
            throw new ArgumentException($"--hidden ({hidden}) divided by --heads ({heads}) is the head size, which must be a whole multiple of 16.");
        }
    }
}
