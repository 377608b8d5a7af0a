using StackExchange.Redis;

namespace Dashboard.ScaleOut;

/// <summary>
/// Tells the other dashboard instances that something changed, through Redis pub/sub: one channel per subject, and a
/// subscriber handles a sender's messages one at a time, in order. Without Redis there is no other instance: publishing
/// does nothing and nothing arrives. Pub/sub keeps nothing for an instance that is away; each instance reads the
/// database when it starts, so only what happens while it runs needs telling.
/// </summary>
public sealed class InstanceMessages(IConnectionMultiplexer? redis, TimeProvider clock, ILogger<InstanceMessages> logger) : IDisposable
{
    private const string Prefix = "dashboard:";
    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Whether there may be other instances (Redis is configured).</summary>
    public bool IsClustered => redis is not null;

    public void Publish(string subject, string message)
    {
        if (redis is null)
        {
            return;
        }

        try
        {
            redis.GetSubscriber().Publish(RedisChannel.Literal(Prefix + subject), message, CommandFlags.FireAndForget);
        }
        catch (RedisException ex)
        {
            logger.LogWarning(ex, "Could not tell the other instances about {Subject}", subject);
        }
    }

    /// <summary>
    /// From now on, calls <paramref name="handler"/> with every message on <paramref name="subject"/>, this instance's own
    /// included. Subscribes in the background: while Redis cannot be reached, it keeps trying until the app stops.
    /// </summary>
    public void Subscribe(string subject, Func<string, Task> handler)
    {
        if (redis is not null)
        {
            _ = SubscribeAsync(redis, subject, handler, _stopping.Token);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async Task SubscribeAsync(IConnectionMultiplexer redis, string subject, Func<string, Task> handler, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Prefix + subject));
                queue.OnMessage(async message =>
                {
                    try
                    {
                        await handler(message.Message.ToString());
                    }
                    catch (Exception ex)
                    {
                        logger.LogError(ex, "Could not handle a message from another instance about {Subject}", subject);
                    }
                });
                return;
            }
            catch (RedisException ex)
            {
                logger.LogWarning("Cannot subscribe to {Subject} from the other instances yet: {Reason}", subject, ex.Message);
                try
                {
                    await Task.Delay(RetryEvery, clock, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
