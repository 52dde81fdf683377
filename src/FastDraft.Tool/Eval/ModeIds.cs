using System.Text;
using FastDraft.Evaluation;

namespace FastDraft.Tool;

/// <summary>
/// Stable snake_case identifiers for an evaluation's modes and proposers (<c>target_only</c>, <c>draft_k4</c>,
/// <c>draft_adaptive</c>, <c>ngram_3_k2</c>; <c>draft_k4_unconstrained</c> beside a constraint), for the JSON keys; the display names (<c>draft K=4</c>) stay as labels.
/// </summary>
internal sealed class ModeIds
{
    private readonly Dictionary<string, string> _modes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _proposers = new(StringComparer.Ordinal);

    public ModeIds(EvaluationReport report)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (ModeReport mode in report.Modes)
        {
            string proposer = mode.Proposer is null ? string.Empty : Proposer(mode.Proposer, taken);
            string id = mode.Proposer is null ? Snake(mode.Name)
                : (mode.Adaptive ? $"{proposer}_adaptive" : $"{proposer}_k{mode.DraftTokens}") + (mode.Unconstrained ? "_unconstrained" : string.Empty);
            _modes[mode.Name] = id;
        }
    }

    /// <summary>The identifier of a mode, by its display name (unknown names, such as a recommendation's, are converted the same way).</summary>
    public string Mode(string name) => _modes.TryGetValue(name, out string? id) ? id : Snake(name);

    /// <summary>The identifier of a proposer, by its display name.</summary>
    public string ProposerId(string name) => _proposers.TryGetValue(name, out string? id) ? id : Snake(name);

    /// <summary>Lower-case letters and digits, every other run of characters one underscore: <c>ngram-3</c> → <c>ngram_3</c>.</summary>
    internal static string Snake(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (char c in name.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                text.Append(c);
            }
            else if (text.Length > 0 && text[^1] != '_')
            {
                text.Append('_');
            }
        }

        string id = text.ToString().TrimEnd('_');
        return id.Length == 0 ? "mode" : id;
    }

    /// <summary>A proposer's identifier, numbered where two draft folders' names reduce to the same one.</summary>
    private string Proposer(string name, HashSet<string> taken)
    {
        if (_proposers.TryGetValue(name, out string? known))
        {
            return known;
        }

        string id = Snake(name);
        for (int n = 2; !taken.Add(id); n++)
        {
            id = $"{Snake(name)}_{n}";
        }

        _proposers[name] = id;
        return id;
    }
}
