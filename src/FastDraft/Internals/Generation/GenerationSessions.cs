using FastDraft.Internals.Caching;
using FastDraft.Internals.Telemetry;

namespace FastDraft.Internals.Generation;

/// <summary>
/// The target and draft sessions of one generation: new ones, disposed when it ends, or, with a <see cref="SessionPool"/>,
/// the pooled ones sharing the longest prefix with the prompt, returned to the pool with the tokens they hold when the
/// generation ends cleanly (stopped, or abandoned by its consumer between tokens) and disposed when it fails.
/// </summary>
internal sealed class GenerationSessions(ITargetModel target, IDraftModel? draft, SessionPool? pool, GenerationRecorder telemetry) : IDisposable
{
    private PooledSessions? _sessions;
    private bool _kept;
    private bool _faulted;

    /// <summary>Opens the sessions for <paramref name="prompt"/>, reporting the reuse to the telemetry.</summary>
    /// <returns>The sessions, and how many prompt tokens they already hold: the prompt pass runs over the rest.</returns>
    public (IModelSession Target, IDraftSession? Draft, int Cached) Open(ReadOnlySpan<int> prompt, int capacity)
    {
        int cached = 0;
        if (pool is null)
        {
            IModelSession targetSession = target.CreateSession(capacity);
            try
            {
                _sessions = new PooledSessions(target, draft, targetSession, draft?.CreateDraftSession(capacity), bytes: 0);
            }
            catch
            {
                targetSession.Dispose();
                throw;
            }
        }
        else
        {
            (_sessions, cached) = pool.Rent(target, draft, prompt, capacity);
        }

        telemetry.Sessions(pooled: pool is not null, cached, _sessions.Draft?.ModelCalls ?? 0);
        return (_sessions.Target, _sessions.Draft, cached);
    }

    /// <summary>Records the tokens of <paramref name="context"/> the target's cache holds, once the decoding is over.</summary>
    public void Keep(ReadOnlySpan<int> context)
    {
        if (_sessions is not null && pool is not null)
        {
            _sessions.Keep(context);
            _kept = true;
        }
    }

    /// <summary>Marks the sessions as unusable: the generation failed or was cancelled, perhaps within a forward pass.</summary>
    public void Fault() => _faulted = true;

    /// <summary>Returns the sessions to the pool, or disposes them.</summary>
    public void Dispose()
    {
        PooledSessions? sessions = _sessions;
        _sessions = null;
        if (sessions is null)
        {
            return;
        }

        if (pool is not null && _kept && !_faulted)
        {
            pool.Return(sessions);
        }
        else
        {
            sessions.Dispose();
        }
    }
}
