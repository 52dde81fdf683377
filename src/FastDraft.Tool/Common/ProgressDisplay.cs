using System.Diagnostics;
using FastDraft.Evaluation;
using FastDraft.Training;

namespace FastDraft.Tool;

/// <summary>
/// Shows the progress of a recipe or an evaluation: one line rewritten in place on a terminal (stage, status, bar, ETA), plain lines at most
/// every few seconds (and at every stage change) when the output is redirected.
/// </summary>
internal sealed class ProgressDisplay(TextWriter writer, bool interactive) : IProgress<RecipeProgress>, IProgress<EvaluationProgress>, IDisposable
{
    /// <summary>A display on <paramref name="error"/>: redrawn in place when it is the console's error stream on a terminal, plain lines otherwise.</summary>
    public static ProgressDisplay For(TextWriter error) => new(error, interactive: !Console.IsErrorRedirected && ReferenceEquals(error, Console.Error));

    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan TerminalInterval = TimeSpan.FromMilliseconds(200);
    private readonly Stopwatch _sinceLast = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private string? _stage;
    private bool _lineOpen;

    public void Report(RecipeProgress value)
    {
        lock (_lock)
        {
            bool stageChanged = value.Stage != _stage;
            if (!stageChanged && _sinceLast.Elapsed < (interactive ? TerminalInterval : PlainInterval))
            {
                return;
            }

            _sinceLast.Restart();
            if (stageChanged && _lineOpen)
            {
                writer.WriteLine();
                _lineOpen = false;
            }

            _stage = value.Stage;
            string eta = value.Remaining > TimeSpan.Zero ? $" ETA {value.Remaining:mm\\:ss}" : string.Empty;
            if (interactive)
            {
                int filled = (int)Math.Round(Math.Clamp(value.Fraction, 0, 1) * 20);
                writer.Write($"\r{value.Stage,-9} [{new string('#', filled)}{new string('.', 20 - filled)}] {value.Fraction,4:P0} {value.Message}{eta}".PadRight(100));
                _lineOpen = true;
            }
            else
            {
                writer.WriteLine($"{value.Stage}: {value.Message} ({value.Fraction:P0}{eta})");
            }
        }
    }

    public void Report(EvaluationProgress value) => Report(new RecipeProgress(value.Stage, value.Message, value.Fraction, value.Remaining));

    public void Finish()
    {
        lock (_lock)
        {
            if (_lineOpen)
            {
                writer.WriteLine();
                _lineOpen = false;
            }
        }
    }

    public void Dispose() => Finish();
}
