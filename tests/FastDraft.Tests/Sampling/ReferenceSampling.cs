namespace FastDraft.Tests.Sampling;

/// <summary>
/// A deliberately plain reference of the processed distribution (double precision, full sorts,
/// LINQ), written independently of the library so that its statistical tests check the library's
/// processors too, not only the speculative maths.
/// </summary>
internal static class ReferenceSampling
{
    public static double[] Distribution(ReadOnlySpan<float> logits, ReadOnlySpan<int> context, GenerationOptions options)
    {
        double[] x = [.. logits.ToArray().Select(v => (double)v)];
        foreach (int token in context.ToArray().Distinct())
        {
            double value = x[token];
            value = value > 0 ? value / options.RepetitionPenalty : value * options.RepetitionPenalty;
            x[token] = value - options.PresencePenalty;
        }

        if (options.LogitsProcessors is { } processors)
        {
            float[] asFloats = [.. x.Select(v => (float)v)];
            foreach (ILogitsProcessor processor in processors)
            {
                processor.Process(asFloats, context);
            }

            x = [.. asFloats.Select(v => (double)v)];
        }

        x = [.. x.Select(v => v / options.Temperature)];
        if (options.TopK > 0 && options.TopK < x.Length)
        {
            double kth = x.OrderByDescending(v => v).ElementAt(options.TopK - 1);
            x = [.. x.Select(v => v < kth ? double.NegativeInfinity : v)];
        }

        double max = x.Max();
        double[] p = [.. x.Select(v => Math.Exp(v - max))];
        p = Normalize(p);

        if (options.TopP < 1)
        {
            double cumulative = 0;
            double threshold = 0;
            foreach (double value in p.Where(v => v > 0).OrderByDescending(v => v))
            {
                cumulative += value;
                if (cumulative >= options.TopP)
                {
                    threshold = value;
                    break;
                }
            }

            p = Normalize([.. p.Select(v => v < threshold ? 0 : v)]);
        }

        if (options.MinP > 0)
        {
            double floor = options.MinP * p.Max();
            p = Normalize([.. p.Select(v => v < floor ? 0 : v)]);
        }

        return p;
    }

    private static double[] Normalize(double[] p)
    {
        double sum = p.Sum();
        return [.. p.Select(v => v / sum)];
    }
}

/// <summary>Pearson's chi-square goodness of fit, with its p-value.</summary>
internal static class ChiSquare
{
    /// <summary>
    /// The statistic and degrees of freedom of <paramref name="observed"/> counts against
    /// <paramref name="probabilities"/>. Categories with expected counts below 5 are pooled, smallest
    /// first, into bins of at least 5 each. An observation in a category of probability 0 is an outright
    /// failure (infinite statistic).
    /// </summary>
    public static (double Statistic, int DegreesOfFreedom) Statistic(IReadOnlyList<long> observed, IReadOnlyList<double> probabilities)
    {
        long n = observed.Sum();
        var categories = new List<(double Expected, long Observed)>();
        for (int i = 0; i < observed.Count; i++)
        {
            if (probabilities[i] <= 0)
            {
                if (observed[i] > 0)
                {
                    return (double.PositiveInfinity, 1);
                }

                continue;
            }

            categories.Add((probabilities[i] * n, observed[i]));
        }

        // Smallest first: categories expected fewer than 5 times go into a pool, which becomes a bin as soon as it
        // reaches 5 (then a new pool starts); a remainder below 5 joins the first pooled bin. (A single pool that stopped
        // growing at 5 would leave the rest of a long tail, 50k ids of a real vocabulary, as bins expected far below 5.)
        categories.Sort((a, b) => a.Expected.CompareTo(b.Expected));
        var bins = new List<(double Expected, long Observed)>();
        (double Expected, long Observed) pool = (0, 0);
        foreach ((double expected, long count) in categories)
        {
            if (expected >= 5)
            {
                bins.Add((expected, count));
                continue;
            }

            pool = (pool.Expected + expected, pool.Observed + count);
            if (pool.Expected >= 5)
            {
                bins.Add(pool);
                pool = (0, 0);
            }
        }

        if (pool.Expected > 0)
        {
            if (bins.Count == 0)
            {
                bins.Add(pool);
            }
            else
            {
                bins[0] = (bins[0].Expected + pool.Expected, bins[0].Observed + pool.Observed);
            }
        }

        double statistic = bins.Sum(b => (b.Observed - b.Expected) * (b.Observed - b.Expected) / b.Expected);
        return (statistic, Math.Max(bins.Count - 1, 0));
    }

    /// <summary>P(χ²(df) ≥ statistic): the regularized upper incomplete gamma Q(df/2, statistic/2).</summary>
    public static double PValue(double statistic, int degreesOfFreedom)
    {
        if (double.IsPositiveInfinity(statistic))
        {
            return 0;
        }

        return degreesOfFreedom == 0 ? 1 : UpperRegularizedGamma(degreesOfFreedom / 2.0, statistic / 2.0);
    }

    private static double UpperRegularizedGamma(double a, double x)
    {
        if (x <= 0)
        {
            return 1;
        }

        double logPrefix = (a * Math.Log(x)) - x - LogGamma(a);
        if (x < a + 1)
        {
            // Series for the lower function P; Q = 1 − P.
            double term = 1 / a;
            double sum = term;
            for (int n = 1; n < 10_000 && Math.Abs(term) > Math.Abs(sum) * 1e-16; n++)
            {
                term *= x / (a + n);
                sum += term;
            }

            return Math.Max(0, 1 - (sum * Math.Exp(logPrefix)));
        }

        // Continued fraction for Q (modified Lentz).
        const double Tiny = 1e-300;
        double b = x + 1 - a;
        double c = 1 / Tiny;
        double d = 1 / b;
        double h = d;
        for (int i = 1; i < 10_000; i++)
        {
            double an = -i * (i - a);
            b += 2;
            d = (an * d) + b;
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = b + (an / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }

        return Math.Exp(logPrefix) * h;
    }

    /// <summary>ln Γ(z) by the Lanczos approximation (g = 7, 9 terms), |error| below 1e-14 for z > 0.</summary>
    private static double LogGamma(double z)
    {
        ReadOnlySpan<double> coefficients =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        if (z < 0.5)
        {
            return Math.Log(Math.PI / Math.Sin(Math.PI * z)) - LogGamma(1 - z);
        }

        z -= 1;
        double x = coefficients[0];
        for (int i = 1; i < coefficients.Length; i++)
        {
            x += coefficients[i] / (z + i);
        }

        double t = z + 7.5;
        return (0.5 * Math.Log(2 * Math.PI)) + ((z + 0.5) * Math.Log(t)) - t + Math.Log(x);
    }
}
