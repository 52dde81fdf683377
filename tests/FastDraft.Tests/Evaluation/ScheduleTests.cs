using FastDraft.Evaluation;

namespace FastDraft.Tests.Evaluation;

/// <summary>The shared interleaved schedule: order, counterbalancing, seeds, cancellation.</summary>
public sealed class ScheduleTests
{
    /// <summary>A mode that records what it was asked to run, into a log shared by the modes of a test.</summary>
    private sealed class RecordingMode(string name, List<string> log, Action? onRun = null) : IMeasuredMode
    {
        public string Name => name;

        public GenerationSample Run(GenerationRequest request, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            log.Add($"{name}:{request.Prompt.Span[0]}:{request.MaxNewTokens}:{request.Seed}");
            onRun?.Invoke();
            return new GenerationSample { GeneratedTokens = request.MaxNewTokens, DecodeTime = TimeSpan.FromMilliseconds(1) };
        }
    }

    [Fact]
    public void Run_TwoRepetitions_WarmsUpThenRunsOddRepetitionsInReverse()
    {
        var log = new List<string>();
        var repetitionsEnded = new List<int>();
        IMeasuredMode[] modes = [new RecordingMode("a", log), new RecordingMode("b", log)];
        int[][] prompts = [[10], [20]];

        MeasurementSet set = InterleavedSchedule.Run(modes, prompts, new ScheduleOptions { MaxNewTokens = 32, Repetitions = 2, Seed = 100 }, repetitionsEnded.Add);

        Assert.Equal(
            ["a:10:16:100", "b:10:16:100", // warm-up: each mode once, 16 tokens, unmeasured
             "a:10:32:100", "a:20:32:101", "b:10:32:100", "b:20:32:101", // repetition 1 in order
             "b:10:32:102", "b:20:32:103", "a:10:32:102", "a:20:32:103"], // repetition 2 in reverse, fresh seeds
            log);
        Assert.Equal([0, 1], repetitionsEnded);
        Assert.Equal(2, set.For(modes[0]).Count);
        Assert.All(set.For(modes[1]), run => Assert.Equal(2, run.Count));
    }

    [Fact]
    public void Run_CancelledDuringARepetition_ThrowsOperationCanceled()
    {
        using var cancellation = new CancellationTokenSource();
        var log = new List<string>();
        IMeasuredMode[] modes = [new RecordingMode("a", log, () => { if (log.Count == 3) { cancellation.Cancel(); } })];

        Assert.Throws<OperationCanceledException>(() => InterleavedSchedule.Run(modes, [[1], [2], [3]], new ScheduleOptions { Repetitions = 5 }, cancellationToken: cancellation.Token));
        Assert.Equal(3, log.Count); // the warm-up, two generations, then nothing more
    }

    [Fact]
    public void Run_DuplicateModeNames_Throws()
    {
        var log = new List<string>();

        Assert.Throws<ArgumentException>(() => InterleavedSchedule.Run([new RecordingMode("a", log), new RecordingMode("a", log)], [[1]], new ScheduleOptions()));
    }
}
