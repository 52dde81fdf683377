namespace FastDraft.Internals.Sampling;

/// <summary>
/// Order statistics for the truncating processors, in expected O(n) and in place: the k-th largest
/// logit (top-k) and the smallest probability still inside the nucleus (top-p), without sorting a
/// whole vocabulary row.
/// </summary>
internal static class Selection
{
    /// <summary>
    /// The probability of the last token in the nucleus: the largest t such that the tokens of
    /// probability ≥ t hold at least <paramref name="topP"/> of the mass. Quickselect guided by mass
    /// (expected O(n), in place) instead of a full sort; 0 (keep everything) if rounding leaves the
    /// total short of top-p.
    /// </summary>
    public static float NucleusThreshold(Span<float> values, double topP)
    {
        double above = 0; // mass of the values already known to be above the range [low, high]
        int low = 0;
        int high = values.Length - 1;
        while (low <= high)
        {
            float pivot = Partition(values, low, high, out int greater, out int less);
            double greaterMass = 0;
            for (int i = low; i < greater; i++)
            {
                greaterMass += values[i];
            }

            if (above + greaterMass >= topP)
            {
                high = greater - 1;
            }
            else if (above + greaterMass + ((double)pivot * (less - greater + 1)) >= topP)
            {
                return pivot;
            }
            else
            {
                above += greaterMass + ((double)pivot * (less - greater + 1));
                low = less + 1;
            }
        }

        return 0f;
    }

    /// <summary>The value of rank <paramref name="k"/> (0-based) in descending order, in O(n); reorders <paramref name="values"/>.</summary>
    public static float KthLargest(Span<float> values, int k)
    {
        if (k < 256)
        {
            // A min-heap of the k + 1 largest seen so far: one pass, and most values fail the first comparison.
            Span<float> heap = stackalloc float[k + 1];
            values[..(k + 1)].CopyTo(heap);
            for (int i = (heap.Length / 2) - 1; i >= 0; i--)
            {
                SiftDown(heap, i);
            }

            foreach (float value in values[(k + 1)..])
            {
                if (value > heap[0])
                {
                    heap[0] = value;
                    SiftDown(heap, 0);
                }
            }

            return heap[0];
        }

        int low = 0;
        int high = values.Length - 1;
        while (low < high)
        {
            float pivot = Partition(values, low, high, out int greater, out int less);
            if (k < greater)
            {
                high = greater - 1;
            }
            else if (k > less)
            {
                low = less + 1;
            }
            else
            {
                return pivot;
            }
        }

        return values[low];
    }

    /// <summary>
    /// Three-way partition of values[low..high] around a median-of-three pivot, in descending order:
    /// [low, greater) above the pivot, [greater, less] equal to it, (less, high] below.
    /// </summary>
    private static float Partition(Span<float> values, int low, int high, out int greater, out int less)
    {
        float a = values[low];
        float b = values[low + ((high - low) / 2)];
        float c = values[high];
        float pivot = Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
        greater = low;
        less = high;
        int i = low;
        while (i <= less)
        {
            if (values[i] > pivot)
            {
                (values[greater], values[i]) = (values[i], values[greater]);
                greater++;
                i++;
            }
            else if (values[i] < pivot)
            {
                (values[i], values[less]) = (values[less], values[i]);
                less--;
            }
            else
            {
                i++;
            }
        }

        return pivot;
    }

    private static void SiftDown(Span<float> heap, int index)
    {
        while (true)
        {
            int smallest = index;
            int left = (2 * index) + 1;
            int right = left + 1;
            if (left < heap.Length && heap[left] < heap[smallest])
            {
                smallest = left;
            }

            if (right < heap.Length && heap[right] < heap[smallest])
            {
                smallest = right;
            }

            if (smallest == index)
            {
                return;
            }

            (heap[index], heap[smallest]) = (heap[smallest], heap[index]);
            index = smallest;
        }
    }
}
