using System.Text;

namespace FastDraft.Tests.Infrastructure;

public sealed class JsonMutatorTests
{
    private static readonly byte[] Sample = Encoding.UTF8.GetBytes("""
        { "model": { "type": "BPE", "vocab": { "a": 0, "b": 1 }, "merges": [ [ "a", "b" ] ] }, "added_tokens": [ { "id": 2, "content": "<s>" } ] }
        """);

    [Fact]
    public void Mutate_SameSeed_GivesTheSameCases()
    {
        var first = new JsonMutator(7);
        var second = new JsonMutator(7);
        for (int i = 0; i < 200; i++)
        {
            JsonMutation a = first.Mutate(Sample);
            JsonMutation b = second.Mutate(Sample);
            Assert.Equal(a.Description, b.Description);
            Assert.Equal(a.Bytes, b.Bytes);
        }
    }

    [Fact]
    public void Mutate_ProducesEveryKind_AndTheHardToWriteOnes()
    {
        var mutator = new JsonMutator(11);
        JsonMutation[] cases = [.. Enumerable.Range(0, 2000).Select(_ => mutator.Mutate(Sample))];
        Assert.Equal(14, cases.Select(c => c.Kind).Distinct().Count());
        Assert.Contains(cases, c => c.Kind == "deep-nesting" && Encoding.UTF8.GetString(c.Bytes).Contains(new string('[', 100), StringComparison.Ordinal));
        Assert.Contains(cases, c => c.Kind == "odd-string" && Encoding.UTF8.GetString(c.Bytes).Contains("\\uD800", StringComparison.Ordinal));
        Assert.Contains(cases, c => c.Kind == "invalid-utf8" && !System.Text.Unicode.Utf8.IsValid(c.Bytes));
    }
}
