namespace FastDraft;

/// <summary>
/// A draft that passes every call on to an inner <see cref="IDraftModel"/>: derive from it and override the one member
/// to change (wrap the sessions to count or alter proposals), as Microsoft.Extensions.AI's <c>DelegatingChatClient</c>
/// does for chat clients.
/// </summary>
/// <remarks>The inner draft is not owned: whoever created it disposes it, as with any draft.</remarks>
public abstract class DelegatingDraftModel : IDraftModel
{
    /// <summary>Initializes a draft that forwards to <paramref name="innerDraft"/>.</summary>
    /// <param name="innerDraft">The draft calls are forwarded to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerDraft"/> is <see langword="null"/>.</exception>
    protected DelegatingDraftModel(IDraftModel innerDraft)
    {
        ArgumentNullException.ThrowIfNull(innerDraft);
        InnerDraft = innerDraft;
    }

    /// <inheritdoc/>
    public virtual int? VocabularySize => InnerDraft.VocabularySize;

    /// <summary>Gets the draft calls are forwarded to.</summary>
    protected IDraftModel InnerDraft { get; }

    /// <inheritdoc/>
    public virtual IDraftSession CreateDraftSession(int capacity) => InnerDraft.CreateDraftSession(capacity);

    /// <inheritdoc/>
    /// <remarks>This object when it is of the requested type (and no key is given), else what the inner draft returns.</remarks>
    public virtual object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : InnerDraft.GetService(serviceType, serviceKey);
    }
}
