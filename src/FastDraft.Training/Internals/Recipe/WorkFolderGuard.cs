namespace FastDraft.Training;

/// <summary>
/// The checks that keep a careless command line from destroying what it points at, made before anything is loaded
/// or written: an output or work folder that is (or holds, or lies inside) the target, and an output folder that
/// already holds files (another draft, say) that the export would replace.
/// </summary>
internal static class WorkFolderGuard
{
    /// <summary>The files a run keeps in its work folder; <c>--restart</c> deletes these and nothing else.</summary>
    internal static readonly string[] StageFiles =
    [
        "alignment.fdad", "pretrain.params", "align.params", "control.params", "pretrain.ckpt", "align.ckpt", "control.ckpt",
        "train-files.txt", "heldout-files.txt", RunRecord.FileName,
    ];

    /// <summary>The stage files that carry a run's results; one of these without a <c>run.json</c> is another run's (or an earlier version's).</summary>
    private static readonly string[] ResultFiles = [.. StageFiles.Where(f => f.EndsWith(".fdad", StringComparison.Ordinal) || f.EndsWith(".params", StringComparison.Ordinal) || f.EndsWith(".ckpt", StringComparison.Ordinal))];

    private static StringComparison PathComparison => OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Refuses an output or work folder that is, holds or lies inside the target's folder, and an output folder that is the work folder.</summary>
    /// <exception cref="ArgumentException">The folders overlap.</exception>
    public static void CheckPaths(string target, string output, string work)
    {
        string targetPath = RealPath(target);
        string outputPath = RealPath(output);
        string workPath = RealPath(work);
        RefuseOverlap("--work", work, workPath, target, targetPath, "the run's files would mix with the target's");
        RefuseOverlap("--out", output, outputPath, target, targetPath, "the draft's files would replace the target's");
        if (Same(outputPath, workPath))
        {
            throw new ArgumentException($"--out and --work name the same folder '{output}'; the work folder holds the run's intermediate files, the output only the draft.");
        }

        if (Inside(workPath, outputPath))
        {
            throw new ArgumentException($"--work '{work}' lies inside --out '{output}'; the output folder receives the draft alone. Put the work folder beside it (the default is <out>.work).");
        }
    }

    /// <summary>
    /// Refuses an output folder that already holds files, unless <paramref name="overwrite"/> (<c>--force</c>) or the
    /// work folder's own earlier export is what it holds.
    /// </summary>
    /// <exception cref="InvalidOperationException">The folder holds files this run did not put there.</exception>
    public static void CheckOutput(string output, bool overwrite, RunRecord? recorded)
    {
        if (File.Exists(output))
        {
            throw new InvalidOperationException($"--out '{output}' is a file; give a folder for the draft.");
        }

        string? first = Directory.Exists(output) ? Directory.EnumerateFileSystemEntries(output).FirstOrDefault() : null;
        if (first is null || overwrite || (recorded?.Exported.Contains(RealPath(output), StringComparer.FromComparison(PathComparison)) ?? false))
        {
            return;
        }

        throw new InvalidOperationException($"--out '{output}' already holds files (such as '{Path.GetFileName(first)}') that exporting the draft would replace; give a new or empty folder, or add --force to overwrite it.");
    }

    /// <summary>Gets the result files the work folder holds (data, finished stages, checkpoints).</summary>
    public static List<string> ResultFilesIn(string work) => [.. ResultFiles.Where(name => File.Exists(Path.Combine(work, name)))];

    /// <summary>Deletes the run's files from the work folder (<c>--restart</c>), temporaries included; other files and the exported drafts stay.</summary>
    public static void ClearStageFiles(string work)
    {
        foreach (string name in StageFiles)
        {
            File.Delete(Path.Combine(work, name));
            foreach (string temporary in Directory.EnumerateFiles(work, $".{name}.*.tmp"))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>The full path with every symbolic link among its existing folders resolved, so a link to the target is seen as the target.</summary>
    internal static string RealPath(string path)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        string root = Path.GetPathRoot(full) ?? string.Empty;
        string current = root;
        foreach (string part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            var info = new DirectoryInfo(current);
            if (info.Exists && info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } resolved)
            {
                current = Path.TrimEndingDirectorySeparator(resolved.FullName);
            }
        }

        return current;
    }

    private static void RefuseOverlap(string option, string given, string path, string target, string targetPath, string consequence)
    {
        string? relation = Same(path, targetPath) ? "is the target's folder"
            : Inside(path, targetPath) ? "lies inside the target's folder"
            : Inside(targetPath, path) ? "holds the target's folder"
            : null;
        if (relation is not null)
        {
            throw new ArgumentException($"{option} '{given}' {relation} '{target}'; {consequence}. Give {option} a folder of its own.");
        }
    }

    private static bool Same(string a, string b) => string.Equals(a, b, PathComparison);

    private static bool Inside(string path, string folder) =>
        path.Length > folder.Length && path.StartsWith(folder, PathComparison) && (path[folder.Length] == Path.DirectorySeparatorChar || folder.EndsWith(Path.DirectorySeparatorChar));
}
