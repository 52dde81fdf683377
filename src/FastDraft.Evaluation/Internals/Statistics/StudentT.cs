namespace FastDraft.Evaluation;

/// <summary>Quantiles of the standard normal and Student's t distributions, for confidence intervals.</summary>
internal static class StudentT
{
    /// <summary>
    /// The <paramref name="p"/>-quantile of Student's t with <paramref name="degrees"/> degrees of freedom:
    /// exact for 1 and 2, the Cornish–Fisher expansion around the normal quantile (Abramowitz and Stegun
    /// 26.7.5) beyond, within 0.2% from 3 degrees of freedom on.
    /// </summary>
    public static double Quantile(double p, int degrees)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degrees, 1);
        switch (degrees)
        {
            case 1:
                return Math.Tan(Math.PI * (p - 0.5));
            case 2:
                double a = 4 * p * (1 - p);
                return (2 * p - 1) * Math.Sqrt(2 / a);
        }

        double z = Normal(p);
        double n = degrees;
        double z2 = z * z;
        double g1 = (z2 + 1) * z / 4;
        double g2 = ((((5 * z2) + 16) * z2) + 3) * z / 96;
        double g3 = ((((((3 * z2) + 19) * z2) + 17) * z2) - 15) * z / 384;
        double g4 = ((((((((79 * z2) + 776) * z2) + 1482) * z2) - 1920) * z2) - 945) * z / 92160;
        return z + (g1 / n) + (g2 / (n * n)) + (g3 / (n * n * n)) + (g4 / (n * n * n * n));
    }

    /// <summary>The <paramref name="p"/>-quantile of the standard normal (Acklam's rational approximation, relative error below 1.2e-9).</summary>
    public static double Normal(double p)
    {
        if (p is not (> 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "A quantile's probability must be in (0, 1).");
        }

        ReadOnlySpan<double> a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        ReadOnlySpan<double> b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        ReadOnlySpan<double> c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        ReadOnlySpan<double> d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double Low = 0.02425;
        if (p < Low || p > 1 - Low)
        {
            double q = Math.Sqrt(-2 * Math.Log(p < Low ? p : 1 - p));
            double tail = (((((((((c[0] * q) + c[1]) * q) + c[2]) * q) + c[3]) * q) + c[4]) * q) + c[5];
            tail /= (((((((d[0] * q) + d[1]) * q) + d[2]) * q) + d[3]) * q) + 1;
            return p < Low ? tail : -tail;
        }

        double r = p - 0.5;
        double s = r * r;
        double numerator = (((((((((a[0] * s) + a[1]) * s) + a[2]) * s) + a[3]) * s) + a[4]) * s) + a[5];
        double denominator = (((((((((b[0] * s) + b[1]) * s) + b[2]) * s) + b[3]) * s) + b[4]) * s) + 1;
        return numerator * r / denominator;
    }
}
