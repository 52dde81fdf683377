using FastDraft.Training;

namespace FastDraft.Tests.Training;

/// <summary>The share of a run's budget left to training once loading took its part.</summary>
public sealed class TrainingBudgetTests
{
    [Theory]
    [InlineData(600, 60, 540)] // loading took a tenth: the rest trains
    [InlineData(600, 570, 30)] // exactly a twentieth left
    [InlineData(600, 590, 30)] // loading overran the twentieth: a twentieth still trains
    [InlineData(12, 35, 0.6)] // loading took longer than the whole budget (train-model --minutes 0.2 on a busy machine)
    public void Remaining_IsWhatLoadingLeft_ButAtLeastATwentieth(double budgetSeconds, double elapsedSeconds, double expectedSeconds)
    {
        TimeSpan remaining = TrainingBudget.Remaining(TimeSpan.FromSeconds(budgetSeconds), TimeSpan.FromSeconds(elapsedSeconds));

        Assert.Equal(expectedSeconds, remaining.TotalSeconds, precision: 6);
        Assert.True(remaining > TimeSpan.Zero);
    }
}
