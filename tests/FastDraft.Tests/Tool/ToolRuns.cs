using System.Security.Cryptography;
using FastDraft.Tests.Infrastructure;
using FastDraft.Tool;

namespace FastDraft.Tests.Tool;

/// <summary>What the tool tests share: a small corpus, the tiniest draft shape, runs of the tool, and a finished pretraining to copy.</summary>
internal static class ToolRuns
{
    /// <summary>The tiniest draft the recipe trains (one layer, head size 16), so a stage takes a second or two.</summary>
    public static readonly string[] TinyShape = ["--layers", "1", "--hidden", "32", "--heads", "2", "--kv-heads", "1", "--intermediate", "32", "--batch-size", "2", "--sequence-length", "32"];

    private static readonly Lazy<string> CorpusFolder = new(() => WriteCorpus(7));
    private static readonly Lazy<string> PretrainedWork = new(() =>
    {
        string work = Path.Combine(TestModels.Scratch("pretrained"), "work");
        // On the thread pool: blocking a test's synchronization context on an async run could deadlock it.
        (int exit, _, string stderr) = Task.Run(() => RunAsync(["pretrain", "--target", TestModels.TextModel, "--corpus", Corpus, "--work", work, "--minutes", "0.02", .. TinyShape])).GetAwaiter().GetResult();
        return exit == 0 ? work : throw new InvalidOperationException($"The shared pretraining failed ({exit}): {stderr}");
    });

    /// <summary>Gets a folder of 24 small Python files.</summary>
    public static string Corpus => CorpusFolder.Value;

    /// <summary>Writes a corpus of 24 small Python files, different for each seed.</summary>
    public static string WriteCorpus(int seed)
    {
        string folder = TestModels.Scratch("corpus");
        var random = new Random(seed);
        string[] names = ["the", "cat", "sat", "on", "mat", "dog", "ran"];
        for (int file = 0; file < 24; file++)
        {
            using var writer = new StreamWriter(Path.Combine(folder, $"module{file}.py"));
            for (int function = 0; function < 12; function++)
            {
                writer.WriteLine($"def {names[random.Next(names.Length)]}_{function}(x):\n    return x + {random.Next(10)}\n");
            }
        }

        return folder;
    }

    /// <summary>Gets <see cref="TinyShape"/> with some of its options given other values (an option may be given once only).</summary>
    public static string[] Shape(params string[] overrides)
    {
        var args = new List<string>();
        for (int i = 0; i < TinyShape.Length; i += 2)
        {
            int at = Array.IndexOf(overrides, TinyShape[i]);
            args.AddRange([TinyShape[i], at >= 0 ? overrides[at + 1] : TinyShape[i + 1]]);
        }

        for (int i = 0; i < overrides.Length; i++)
        {
            if (overrides[i].StartsWith("--", StringComparison.Ordinal) && !TinyShape.Contains(overrides[i]))
            {
                args.Add(overrides[i]);
                if (i + 1 < overrides.Length && !overrides[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    args.Add(overrides[++i]);
                }
            }
        }

        return [.. args];
    }

    /// <summary>Returns a copy of the work folder of a finished <c>pretrain</c> (TextModel target, <see cref="Corpus"/>, <see cref="TinyShape"/>).</summary>
    public static string FinishedPretraining()
    {
        string copy = Path.Combine(TestModels.Scratch("work"), "work");
        CopyFolder(PretrainedWork.Value, copy);
        return copy;
    }

    /// <summary>Runs the tool; stderr as the user would see it (plain progress lines, then any error line).</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = await ToolApp.RunAsync(args, stdout, stderr, cancellationToken);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A copy of a folder's files (one level deep is all the models and work folders here need, plus subfolders).</summary>
    public static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (string folder in Directory.EnumerateDirectories(from))
        {
            CopyFolder(folder, Path.Combine(to, Path.GetFileName(folder)));
        }
    }

    /// <summary>The folder's files (recursively, less the lock file) by relative path, with a hash of each, to show a folder was not touched.</summary>
    public static SortedDictionary<string, string> Snapshot(string folder) => new(
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(path => Path.GetFileName(path) != ".fastdraft.lock") // held open by a run, and empty
            .ToDictionary(path => Path.GetRelativePath(folder, path), path => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)))),
        StringComparer.Ordinal);

    /// <summary>Asserts the tool printed one error line and no stack trace.</summary>
    public static void AssertOneErrorLine(string stderr)
    {
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n'), line => line.StartsWith("error:", StringComparison.Ordinal));
    }
}
