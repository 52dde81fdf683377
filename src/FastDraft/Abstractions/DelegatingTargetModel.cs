namespace FastDraft;

/// <summary>
/// A model that passes every call on to an inner <see cref="ITargetModel"/>: derive from it and override the one
/// member to change (wrap the sessions to inject a fault, count passes, cache), as Microsoft.Extensions.AI's
/// <c>DelegatingChatClient</c> does for chat clients.
/// </summary>
/// <remarks>The inner model is not owned: whoever created it disposes it, as with any model.</remarks>
public abstract class DelegatingTargetModel : ITargetModel
{
    /// <summary>Initializes a model that forwards to <paramref name="innerModel"/>.</summary>
    /// <param name="innerModel">The model calls are forwarded to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerModel"/> is <see langword="null"/>.</exception>
    protected DelegatingTargetModel(ITargetModel innerModel)
    {
        ArgumentNullException.ThrowIfNull(innerModel);
        InnerModel = innerModel;
    }

    /// <inheritdoc/>
    public virtual ModelInfo Info => InnerModel.Info;

    /// <summary>Gets the model calls are forwarded to.</summary>
    protected ITargetModel InnerModel { get; }

    /// <inheritdoc/>
    public virtual IModelSession CreateSession(int capacity) => InnerModel.CreateSession(capacity);

    /// <inheritdoc/>
    /// <remarks>This object when it is of the requested type (and no key is given), else what the inner model returns.</remarks>
    public virtual object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : InnerModel.GetService(serviceType, serviceKey);
    }
}
