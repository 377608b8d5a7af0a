using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Dashboard.Broker.Persistence;

/// <summary>
/// Acknowledged means stored. A publish that changes what must outlive a crash (a retained message, a message owed to a
/// persistent session) takes a mark here; its PUBACK/PUBREC waits until a commit covers the mark. The persister commits
/// whatever has been noted as soon as anyone waits, so many publishes share one SQLite transaction (group commit).
/// With <see cref="BrokerDurability.Periodic"/> nothing waits and the persister writes every <c>PersistInterval</c>.
/// </summary>
internal sealed class WriteAhead(IOptions<BrokerOptions> options)
{
    private readonly bool _enabled = options.Value.Durability != BrokerDurability.Periodic;
    private readonly Lock _lock = new();
    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private TaskCompletionSource _nextCommit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _noted;
    private long _committed;

    /// <summary>Call after the change is in memory; returns the mark to wait for (0: nothing to wait for).</summary>
    public long Note()
    {
        if (!_enabled)
        {
            return 0;
        }

        var mark = Interlocked.Increment(ref _noted);
        _requests.Writer.TryWrite(true);
        return mark;
    }

    /// <summary>Everything noted so far; read it before taking the changes to write.</summary>
    public long Noted => Interlocked.Read(ref _noted);

    public bool IsCommitted(long mark) => Interlocked.Read(ref _committed) >= mark;

    /// <summary>Completes once a commit covers <paramref name="mark"/>.</summary>
    public async ValueTask WaitAsync(long mark, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task next;
            lock (_lock)
            {
                if (_committed >= mark)
                {
                    return;
                }

                next = _nextCommit.Task;
            }

            await next.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The persister has committed everything noted up to <paramref name="upTo"/>.</summary>
    public void Committed(long upTo)
    {
        TaskCompletionSource done;
        lock (_lock)
        {
            _committed = Math.Max(_committed, upTo);
            done = _nextCommit;
            _nextCommit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        done.TrySetResult();
    }

    /// <summary>Returns when a change has been noted, or after <paramref name="interval"/> at the latest.</summary>
    public async Task WaitForWorkAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(interval);
        try
        {
            await _requests.Reader.WaitToReadAsync(timeout.Token);
            _requests.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }
}
