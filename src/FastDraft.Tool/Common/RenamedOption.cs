using System.CommandLine;

namespace FastDraft.Tool;

/// <summary>
/// An option under its current name, and its former name kept as a hidden alias so that existing scripts keep working;
/// giving both is refused.
/// </summary>
internal sealed class RenamedOption<T>
{
    public RenamedOption(Option<T> current, string formerName)
    {
        Current = current;
        Former = new Option<T>(formerName) { Hidden = true, Description = $"Former name of {current.Name}." };
    }

    /// <summary>Gets the option under its current name.</summary>
    public Option<T> Current { get; }

    /// <summary>Gets the hidden option under the former name.</summary>
    public Option<T> Former { get; }

    public void AddTo(Command command)
    {
        command.Options.Add(Current);
        command.Options.Add(Former);
        command.Validators.Add(result =>
        {
            if (result.GetResult(Current) is { Implicit: false } && result.GetResult(Former) is not null)
            {
                result.AddError($"{Former.Name} is the former name of {Current.Name}: give one of them.");
            }
        });
    }

    /// <summary>Reads the value and the name it was given under (the current name when neither was given).</summary>
    public (T Value, string Name) Read(ParseResult parsed) => parsed.GetResult(Former) is not null
        ? (parsed.GetValue(Former)!, Former.Name)
        : (parsed.GetValue(Current)!, Current.Name);
}
