namespace FastDraft.Training;

/// <summary>
/// Linear warm-up to the peak learning rate, then half a cosine down to a floor at the horizon, and the
/// floor after it. Step numbers are 1-based optimizer steps: step <c>s ≤ warmup</c> gets <c>peak·s/warmup</c>;
/// step <c>s</c> after it gets <c>floor + (peak − floor)·(1 + cos(π·(s − warmup)/(horizon − warmup)))/2</c>.
/// </summary>
internal readonly record struct LearningRateSchedule(double Peak, double Floor, long WarmupSteps, long Horizon)
{
    public double At(long step)
    {
        if (step <= WarmupSteps)
        {
            return WarmupSteps == 0 ? Peak : Peak * step / WarmupSteps;
        }

        if (step >= Horizon)
        {
            return Floor;
        }

        double progress = (double)(step - WarmupSteps) / (Horizon - WarmupSteps);
        return Floor + ((Peak - Floor) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }
}
