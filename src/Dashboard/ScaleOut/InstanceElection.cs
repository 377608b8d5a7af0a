using StackExchange.Redis;

namespace Dashboard.ScaleOut;

/// <summary>
/// Which instance runs the jobs that must run once for all of them (retention, scheduled snapshots): the holder of a Redis
/// lease (<c>SET NX PX</c> through StackExchange.Redis' lock calls), renewed every <see cref="Renewal"/>; an instance that
/// stops releases it, one that dies loses it after <see cref="Lease"/>, and another takes it at its next try. Without
/// Redis there is one instance, and it is always elected.
/// </summary>
public sealed class InstanceElection(IConnectionMultiplexer? redis, TimeProvider clock, ILogger<InstanceElection>? logger) : BackgroundService
{
    public const string Key = "dashboard:elected-instance";
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan Renewal = TimeSpan.FromSeconds(3);

    private readonly string _me = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private volatile bool _elected = redis is null;
    private DateTimeOffset _heldUntil;

    /// <summary>Whether there may be other instances (Redis is configured): otherwise this one is always elected.</summary>
    public bool IsClustered => redis is not null;

    /// <summary>Whether this instance runs the once-for-all jobs now.</summary>
    public bool IsElected => _elected;

    /// <summary>Returns once this instance is elected (at once without Redis).</summary>
    public async Task WaitUntilElectedAsync(CancellationToken cancellationToken)
    {
        while (!_elected)
        {
            await Task.Delay(Renewal, clock, cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (redis is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(Renewal, clock);
        do
        {
            bool held;
            try
            {
                var db = redis.GetDatabase();
                held = _elected ? await db.LockExtendAsync(Key, _me, Lease) || await db.LockTakeAsync(Key, _me, Lease) : await db.LockTakeAsync(Key, _me, Lease);
                if (held)
                {
                    _heldUntil = clock.GetUtcNow() + Lease - Renewal;
                }
            }
            catch (RedisException ex)
            {
                // Unreachable: keep the role until the lease could have run out, so two instances never both hold it.
                held = _elected && clock.GetUtcNow() < _heldUntil;
                logger?.LogWarning(ex, "Redis did not answer the election; {Role}", held ? "still elected until the lease runs out" : "not elected");
            }

            if (held != _elected)
            {
                _elected = held;
                logger?.LogInformation(held ? "This instance now runs the periodic jobs (retention, scheduled snapshots)" : "Another instance runs the periodic jobs now");
            }

        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (redis is not null && _elected)
        {
            _elected = false;
            try
            {
                await redis.GetDatabase().LockReleaseAsync(Key, _me); // the next instance need not wait for the lease to run out
            }
            catch (RedisException)
            {
            }
        }
    }
}
