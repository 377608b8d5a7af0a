using System.Net.Http.Headers;
using System.Threading.Channels;
using Dashboard.Broker;
using Microsoft.Extensions.Options;

namespace Dashboard.Alerts;

/// <summary>
/// POSTs every alert change as JSON (<see cref="AlertNotice"/>, and <see cref="AlertOverflowNotice"/>) to <c>Alerts:WebhookUrl</c>, one at a time in order,
/// each within <c>Alerts:WebhookTimeout</c>. A slow or dead receiver only fills this queue: beyond it, changes are
/// dropped and counted. Failures are logged at most every 30 seconds, with how many there were.
/// </summary>
internal sealed class AlertWebhook(IHttpClientFactory clients, IOptions<AlertsOptions> options, ILogger<AlertWebhook> logger) : BackgroundService
{
    public const string ClientName = "AlertWebhook";
    public const int Capacity = 1000;

    private readonly Uri? _url = string.IsNullOrWhiteSpace(options.Value.WebhookUrl) ? null : new Uri(options.Value.WebhookUrl);
    private readonly Channel<WebhookMessage> _queue = Channel.CreateBounded<WebhookMessage>(new BoundedChannelOptions(Capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait, // TryWrite then answers false instead of dropping silently
    });

    private readonly LogLimiter _failureLog = new(TimeSpan.FromSeconds(30));
    private long _failed;
    private long _dropped;
    private long _sent;

    public long Sent => Interlocked.Read(ref _sent);

    public long Failed => Interlocked.Read(ref _failed);

    public void Post(AlertNotice notice)
    {
        if (_url is not null)
        {
            Post(new WebhookMessage($"alert {notice.Alert.Id} ({notice.Event})", notice.ToUtf8Json()));
        }
    }

    public void Post(AlertOverflowNotice notice)
    {
        if (_url is not null)
        {
            Post(new WebhookMessage($"the overflow of rule {notice.Overflow.RuleId}", notice.ToUtf8Json()));
        }
    }

    private void Post(WebhookMessage message)
    {
        if (_queue.Writer.TryWrite(message))
        {
            return;
        }

        var dropped = Interlocked.Increment(ref _dropped);
        if (_failureLog.ShouldLog())
        {
            logger.LogWarning("The alert webhook {Url} is behind: {Dropped} alert changes dropped so far", _url, dropped);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_url is null)
        {
            return;
        }

        var client = clients.CreateClient(ClientName);
        client.Timeout = options.Value.WebhookTimeout;
        try
        {
            await foreach (var notice in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                await SendAsync(client, notice, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SendAsync(HttpClient client, WebhookMessage message, CancellationToken stoppingToken)
    {
        try
        {
            using var content = new ByteArrayContent(message.Json);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            using var response = await client.PostAsync(_url, content, stoppingToken);
            response.EnsureSuccessStatusCode();
            Interlocked.Increment(ref _sent);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
        {
            var failed = Interlocked.Increment(ref _failed);
            if (_failureLog.ShouldLog())
            {
                logger.LogWarning("Could not POST {What} to the webhook {Url}: {Error} ({Failed} failures so far)",
                    message.What, _url, ex.Message, failed);
            }
        }
    }

    /// <summary>A notice as it is POSTed, and what it is about for the log.</summary>
    private sealed record WebhookMessage(string What, byte[] Json);
}
