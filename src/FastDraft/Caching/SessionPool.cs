using FastDraft.Internals.Caching;

namespace FastDraft;

/// <summary>
/// Keeps the sessions (key/value caches) of finished generations, keyed by the tokens they hold, so that a later
/// generation whose prompt starts with the same tokens (the conversation so far, a shared system prompt) reuses the
/// longest such prefix and runs the model only over the rest. Bounded by a byte budget and a session count; the least
/// recently used sessions are disposed first.
/// </summary>
/// <remarks>
/// <para>
/// A generator uses a pool when <see cref="SpeculativeOptions.SessionPool"/> is set. A generation takes the session with
/// the longest common prefix out of the pool (so no session ever serves two generations at once: concurrent requests
/// sharing a system prompt each get their own, or a new one), rolls it back to that prefix, and returns it with the
/// prompt and the generated tokens when it ends. A generation that fails or is cancelled disposes its sessions instead.
/// The emitted tokens are exactly those of a fresh prompt pass, greedy or sampled with a seed.
/// </para>
/// <para>
/// Thread-safe. The pool owns the sessions it keeps and disposes them on eviction, <see cref="Clear"/> and
/// <see cref="Dispose"/>; dispose it before the models. One pool may serve several generators and models: a session is
/// only reused with the target and draft it was created for.
/// </para>
/// </remarks>
public sealed class SessionPool : IDisposable
{
    private readonly List<PooledSessions> _idle = [];
    private readonly Lock _lock = new();
    private long _bytes;
    private long _clock;
    private long _lookups;
    private long _hits;
    private long _reusedTokens;
    private bool _disposed;

    /// <summary>Initializes an empty pool.</summary>
    /// <param name="options">Its bounds; <see langword="null"/> for <see cref="SessionPoolOptions.Default"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public SessionPool(SessionPoolOptions? options = null)
    {
        options ??= SessionPoolOptions.Default;
        options.Validate(nameof(options));
        Options = options;
    }

    /// <summary>Gets the pool's bounds.</summary>
    public SessionPoolOptions Options { get; }

    /// <summary>Gets the number of idle sessions kept.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>Gets the bytes the idle sessions hold.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Gets the number of generations that looked for a session in the pool.</summary>
    public long Lookups => Interlocked.Read(ref _lookups);

    /// <summary>Gets the number of generations that reused a session (at least one prompt token).</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Gets the prompt tokens generations did not have to run the model over, all together.</summary>
    public long ReusedTokens => Interlocked.Read(ref _reusedTokens);

    /// <summary>Disposes every idle session.</summary>
    public void Clear()
    {
        PooledSessions[] evicted;
        lock (_lock)
        {
            evicted = [.. _idle];
            _idle.Clear();
            _bytes = 0;
        }

        DisposeAll(evicted);
    }

    /// <summary>Disposes every idle session; sessions returned afterwards are disposed at once.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }

        Clear();
    }

    /// <summary>
    /// Takes out the sessions whose tokens share the longest prefix with <paramref name="prompt"/>, rolled back to it (one token
    /// short of the whole prompt, whose last token must be run for its logits), or creates new ones when none shares a token.
    /// </summary>
    /// <returns>The sessions, and how many prompt tokens they already hold.</returns>
    internal (PooledSessions Sessions, int Reused) Rent(ITargetModel target, IDraftModel? draft, ReadOnlySpan<int> prompt, int capacity)
    {
        PooledSessions? best = null;
        int bestPrefix = 0;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _lookups++;
            foreach (PooledSessions idle in _idle)
            {
                if (idle.TargetModel != target || idle.DraftModel != draft || idle.Target.Capacity < capacity)
                {
                    continue;
                }

                int prefix = Math.Min(prompt.CommonPrefixLength(idle.Tokens), prompt.Length - 1);
                if (prefix > bestPrefix || (prefix == bestPrefix && prefix > 0 && idle.LastUsed > best!.LastUsed))
                {
                    (best, bestPrefix) = (idle, prefix);
                }
            }

            if (best is not null)
            {
                _idle.Remove(best);
                _bytes -= best.Bytes;
                _hits++;
                _reusedTokens += bestPrefix;
            }
        }

        if (best is null)
        {
            return (Create(target, draft, capacity), 0);
        }

        try
        {
            best.Truncate(bestPrefix);
        }
        catch
        {
            best.Dispose();
            throw;
        }

        return (best, bestPrefix);
    }

    /// <summary>Keeps <paramref name="sessions"/> (their tokens recorded), disposing the least recently used beyond the bounds.</summary>
    internal void Return(PooledSessions sessions)
    {
        List<PooledSessions>? evicted = null;
        lock (_lock)
        {
            if (_disposed || sessions.Bytes > Options.MaxBytes)
            {
                evicted = [sessions];
            }
            else
            {
                sessions.LastUsed = ++_clock;
                _idle.Add(sessions);
                _bytes += sessions.Bytes;
                while (_idle.Count > Options.MaxSessions || _bytes > Options.MaxBytes)
                {
                    PooledSessions oldest = _idle.MinBy(static s => s.LastUsed)!;
                    _idle.Remove(oldest);
                    _bytes -= oldest.Bytes;
                    (evicted ??= []).Add(oldest);
                }
            }
        }

        if (evicted is not null)
        {
            DisposeAll(evicted);
        }
    }

    private PooledSessions Create(ITargetModel target, IDraftModel? draft, int capacity)
    {
        // Room for later turns: the configured capacity (the whole context by default), never less than this generation needs.
        int contextLength = target.Info.ContextLength;
        int size = Math.Max(capacity, Math.Min(Options.SessionCapacity ?? contextLength, contextLength));
        IModelSession targetSession = target.CreateSession(size);
        IDraftSession? draftSession = null;
        try
        {
            draftSession = draft?.CreateDraftSession(size);
        }
        catch
        {
            targetSession.Dispose();
            throw;
        }

        long bytes = (target.Info.CacheBytesPerToken ?? 0) * size;
        if (draft?.GetService(typeof(ITargetModel)) is ITargetModel draftModel)
        {
            bytes += (draftModel.Info.CacheBytesPerToken ?? 0) * Math.Min(size, draftModel.Info.ContextLength);
        }

        return new PooledSessions(target, draft, targetSession, draftSession, bytes);
    }

    private static void DisposeAll(IEnumerable<PooledSessions> sessions)
    {
        foreach (PooledSessions evicted in sessions)
        {
            evicted.Dispose();
        }
    }
}
