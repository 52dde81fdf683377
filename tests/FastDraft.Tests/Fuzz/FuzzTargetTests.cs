using FastDraft.Fuzz;
using FastDraft.Tests.Infrastructure;

namespace FastDraft.Tests.Fuzz;

/// <summary>
/// The fuzz targets in-process (the coverage-guided runs are <c>tests/FastDraft.Fuzz/run-afl.sh</c>):
/// each accepts its seed, survives cheap corruptions of it without an undocumented exception, and lets
/// an undocumented exception escape, which is what the fuzzer reports as a crash.
/// </summary>
public sealed class FuzzTargetTests
{
    public static TheoryData<string> Targets => [.. FuzzTargets.All.Keys];

    private static readonly Lazy<string> SeedRoot = new(() =>
    {
        string root = TestModels.Scratch("fuzz-seeds");
        Seeds.Write(root);
        return root;
    });

    [Theory]
    [MemberData(nameof(Targets))]
    public void Target_AcceptsItsSeed_AndCorruptionsOfIt(string name)
    {
        FuzzTarget target = FuzzTargets.All[name];
        byte[] seed = File.ReadAllBytes(Path.Combine(SeedRoot.Value, name, "seed"));
        Assert.NotEmpty(seed);
        target.Run(seed);

        var random = new Random(name.Length);
        for (int i = 0; i < 200; i++)
        {
            int kind = i % 4;
            byte[] corrupt = kind == 0 ? seed[..random.Next(seed.Length)]                                  // truncated
                : kind == 1 ? seed.Select(b => random.Next(40) == 0 ? (byte)random.Next(256) : b).ToArray()  // bytes flipped
                : kind == 2 ? seed.Concat(seed[..random.Next(seed.Length)]).ToArray()                          // trailing junk
                : Enumerable.Range(0, random.Next(64)).Select(_ => (byte)random.Next(256)).ToArray();          // noise
            Exception? escaped = Record.Exception(() => target.Run(corrupt));
            Assert.True(escaped is null, $"{name}, case {i}: {escaped?.GetType().Name}: {escaped?.Message}");
        }
    }

    [Fact]
    public void Documented_LetsUndocumentedTypesAndMessagesNotNamingTheFile_Escape()
    {
        Type[] documented = [typeof(InvalidModelException)];
        FuzzTargets.Documented("/m/config.json", documented, () => throw new InvalidModelException("config.json: 'vocab_size' is not a number"));
        Assert.Throws<InvalidModelException>(() => FuzzTargets.Documented("/m/config.json", documented, () => throw new InvalidModelException("'vocab_size' is not a number")));
        Assert.Throws<FormatException>(() => FuzzTargets.Documented("/m/config.json", documented, () => throw new FormatException("config.json")));
    }
}
