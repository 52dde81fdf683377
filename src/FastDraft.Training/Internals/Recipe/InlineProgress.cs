namespace FastDraft.Training;

/// <summary>An <see cref="IProgress{T}"/> that calls its handler at once on the reporting thread, in order (unlike <see cref="Progress{T}"/>, which posts).</summary>
internal sealed class InlineProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
