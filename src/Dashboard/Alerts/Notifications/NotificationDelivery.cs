using System.Collections.Concurrent;
using System.Threading.Channels;
using Dashboard.Alerts.Notifications.Senders;
using Microsoft.Extensions.Options;

namespace Dashboard.Alerts.Notifications;

/// <summary>The outcome of "Send a test": ok, or the receiver's error text.</summary>
public sealed record ChannelTestResult(bool Ok, string? Error, DateTimeOffset At);

/// <summary>
/// Sends alert notifications to the rules' channels, off the alert path: <see cref="Notify(AlertNotice)"/> only checks the
/// channel's rate limit and writes to its bounded queue (full: dropped and counted). One worker per channel sends in order,
/// retrying with back-off (<see cref="NotificationBackoff"/>), so a dead receiver delays only its own channel. What the rate
/// limit held back is summed up in one message once its minute is over. Figures go to the channel's status and the meter.
/// </summary>
internal sealed class NotificationDelivery(
    NotificationChannels channels,
    AlertEngine engine,
    IEnumerable<INotificationSender> senders,
    IOptions<NotificationsOptions> options,
    TimeProvider clock,
    ILogger<NotificationDelivery> logger) : BackgroundService
{
    private readonly NotificationsOptions _options = options.Value;
    private readonly Dictionary<ChannelKind, INotificationSender> _senders = senders.ToDictionary(s => s.Kind);
    private readonly ConcurrentDictionary<long, ChannelQueue> _queues = new();
    // Not disposed: it has no timer to release, and the host may call StopAsync after disposing its services (seen in a
    // test's WebApplicationFactory), which must not throw.
    private readonly CancellationTokenSource _stop = new();
    private readonly LogLimiter _failureLog = new(TimeSpan.FromSeconds(30));
    private long _sent, _failed, _retried, _suppressed, _dropped;

    public long Sent => Interlocked.Read(ref _sent);
    public long Failed => Interlocked.Read(ref _failed);
    public long Retried => Interlocked.Read(ref _retried);
    public long Suppressed => Interlocked.Read(ref _suppressed);
    public long Dropped => Interlocked.Read(ref _dropped);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await channels.LoadAsync(cancellationToken); // before the alert engine starts sending
        await base.StartAsync(cancellationToken);
    }

    public void Notify(AlertNotice notice)
    {
        if (engine.Rule(notice.Alert.RuleId)?.Channels is { Count: > 0 } targets)
        {
            Post(NotificationMessage.From(notice), targets);
        }
    }

    public void Notify(AlertOverflowNotice notice)
    {
        if (engine.Rule(notice.Overflow.RuleId)?.Channels is { Count: > 0 } targets)
        {
            Post(NotificationMessage.From(notice), targets);
        }
    }

    /// <summary>Sends a test at once, without the queue, retries or rate limit, and says how it went (noted in the channel's status too).</summary>
    public async Task<ChannelTestResult> TestAsync(NotificationChannel channel, CancellationToken cancellationToken)
    {
        var error = await SendOnceAsync(channel, NotificationMessage.Test(channel, clock.GetUtcNow()), cancellationToken);
        await channels.RecordAsync(channel.Id, error?.Message, final: false);
        return new ChannelTestResult(error is null, error?.Message, clock.GetUtcNow());
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync(); // waits between retries end; what is queued is not sent (it is in memory only)
        await base.StopAsync(cancellationToken);
    }

    /// <summary>Every second: the summaries of what rate limits held back in a minute now over.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var (id, queue) in _queues)
                {
                    if (queue.Limit.TakeSummary(clock.GetUtcNow()) is > 0 and var held && channels.Find(id) is { } channel)
                    {
                        Enqueue(channel, queue, NotificationMessage.Suppressed(channel, held, _options.MaxPerMinute, clock.GetUtcNow()));
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Post(NotificationMessage message, IReadOnlyList<long> targets)
    {
        var now = clock.GetUtcNow();
        foreach (var id in targets)
        {
            if (channels.Find(id) is not { Enabled: true } channel)
            {
                continue;
            }

            var queue = QueueOf(id);
            if (queue.Limit.TakeSummary(now) is > 0 and var held)
            {
                Enqueue(channel, queue, NotificationMessage.Suppressed(channel, held, _options.MaxPerMinute, now));
            }

            if (queue.Limit.TryTake(now))
            {
                Enqueue(channel, queue, message);
            }
            else
            {
                Interlocked.Increment(ref _suppressed);
                _ = channels.CountAsync(id, suppressed: 1, dropped: 0);
            }
        }
    }

    private ChannelQueue QueueOf(long id)
    {
        if (_queues.TryGetValue(id, out var queue))
        {
            return queue;
        }

        lock (_queues) // one worker per channel: GetOrAdd alone may build (and start) two
        {
            return _queues.GetOrAdd(id, _ => new ChannelQueue(this, id));
        }
    }

    private void Enqueue(NotificationChannel channel, ChannelQueue queue, NotificationMessage message)
    {
        if (queue.Messages.Writer.TryWrite(message))
        {
            return;
        }

        Interlocked.Increment(ref _dropped);
        _ = channels.CountAsync(channel.Id, suppressed: 0, dropped: 1);
        if (_failureLog.ShouldLog())
        {
            logger.LogWarning("Notification channel '{Channel}' is behind: its queue of {Capacity} is full, a {Event} notification was dropped",
                channel.Name, _options.QueueCapacity, message.Event);
        }
    }

    /// <summary>One channel's sends, in order: each tried until it goes, fails for good, or runs out of retries.</summary>
    private async Task WorkAsync(long id, ChannelReader<NotificationMessage> messages)
    {
        try
        {
            await foreach (var message in messages.ReadAllAsync(_stop.Token))
            {
                for (var retry = 1; channels.Find(id) is { Enabled: true } channel; retry++)
                {
                    var error = await SendOnceAsync(channel, message, _stop.Token);
                    var wait = error is { Permanent: false } ? NotificationBackoff.Delay(retry, _options) : null;
                    await channels.RecordAsync(id, error?.Message, final: wait is null);
                    if (error is null)
                    {
                        Interlocked.Increment(ref _sent);
                        break;
                    }

                    if (wait is null)
                    {
                        Interlocked.Increment(ref _failed);
                        if (_failureLog.ShouldLog())
                        {
                            logger.LogWarning("Notification channel '{Channel}' could not send a {Event} notification after {Tries} tries: {Error}",
                                channel.Name, message.Event, retry, error.Message);
                        }

                        break;
                    }

                    Interlocked.Increment(ref _retried);
                    await Task.Delay(wait.Value, clock, _stop.Token);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>One attempt within <c>Notifications:Timeout</c>; null when it went, else why not (secrets scrubbed).</summary>
    private async Task<NotificationFailedException?> SendOnceAsync(NotificationChannel channel, NotificationMessage message, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            await _senders[channel.Kind].SendAsync(channel, message, timeout.Token);
            return null;
        }
        catch (NotificationFailedException ex)
        {
            return new NotificationFailedException(channel.Secrets.Scrub(ex.Message), ex.Permanent);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new NotificationFailedException($"No answer within {AlertText.Duration(_options.Timeout)} (Notifications:Timeout).");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or System.Net.Sockets.SocketException or InvalidOperationException or UriFormatException)
        {
            var inner = ex.InnerException is { } cause && !ex.Message.Contains(cause.Message, StringComparison.Ordinal) ? $" ({cause.Message})" : "";
            return new NotificationFailedException(channel.Secrets.Scrub(ex.Message + inner));
        }
    }

    /// <summary>A channel's queue, rate limit and worker (started with the first message).</summary>
    private sealed class ChannelQueue
    {
        public ChannelQueue(NotificationDelivery delivery, long id)
        {
            Limit = new NotificationRateLimit(delivery._options.MaxPerMinute);
            Messages = Channel.CreateBounded<NotificationMessage>(new BoundedChannelOptions(delivery._options.QueueCapacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait, // TryWrite then answers false instead of dropping silently
            });
            _ = Task.Run(() => delivery.WorkAsync(id, Messages.Reader));
        }

        public NotificationRateLimit Limit { get; }

        public Channel<NotificationMessage> Messages { get; }
    }
}
