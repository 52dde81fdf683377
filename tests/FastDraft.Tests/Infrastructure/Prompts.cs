namespace FastDraft.Tests.Infrastructure;

/// <summary>Deterministic prompts: random ids, plus some with repeats so n-gram drafting has something to find.</summary>
internal static class Prompts
{
    public static int[][] For(int vocabularySize, int count = 20, int seed = 12345, int? firstToken = null)
    {
        var random = new Random(seed);
        var prompts = new int[count][];
        for (int p = 0; p < count; p++)
        {
            int length = 4 + random.Next(13);
            var ids = new int[length];
            for (int i = 0; i < length; i++)
            {
                // Every third prompt repeats an earlier stretch of itself.
                ids[i] = p % 3 == 2 && i >= 6 ? ids[i - 5] : random.Next(vocabularySize);
            }

            if (firstToken is int first)
            {
                ids[0] = first;
            }

            prompts[p] = ids;
        }

        return prompts;
    }
}
