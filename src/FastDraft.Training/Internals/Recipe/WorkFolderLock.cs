namespace FastDraft.Training;

/// <summary>
/// An exclusive hold on a work folder for the length of a run: two processes appending to one alignment-data file or
/// renaming over each other's checkpoints would each finish "successfully" with a mixture.
/// </summary>
/// <remarks>
/// The hold is the lock file <c>.fastdraft.lock</c> opened with <see cref="FileShare.None"/> (an OS lock that ends with
/// the process, even a killed one). The file is left in place on release rather than deleted on close: a process that
/// opened it just before the holder deleted it could lock the deleted file while a third locks a new one.
/// </remarks>
internal sealed class WorkFolderLock : IDisposable
{
    public const string FileName = ".fastdraft.lock";

    private readonly FileStream _file;

    private WorkFolderLock(FileStream file) => _file = file;

    /// <summary>Takes the work folder (which must exist), or refuses when another process holds it.</summary>
    /// <exception cref="IOException">Another process (or another run in this one) holds the folder.</exception>
    public static WorkFolderLock Acquire(string work)
    {
        string path = Path.Combine(work, FileName);
        try
        {
            return new WorkFolderLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1));
        }
        catch (IOException ex) when (ex is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
        {
            throw new IOException($"Another fastdraft run is using the work folder '{work}' (it holds {FileName}); wait for it to end, or give this run another --work.", ex);
        }
    }

    public void Dispose() => _file.Dispose();
}
