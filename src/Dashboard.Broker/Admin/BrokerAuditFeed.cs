using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Dashboard.Broker.Admin;

/// <summary>What an operator wants to know the broker refused.</summary>
public enum BrokerAuditKind
{
    /// <summary>A connection refused at CONNECT (credentials, a ban, a limit, its Last Will…) or before it (a limit on open connections).</summary>
    ConnectionRefused,

    /// <summary>A PUBLISH the ACL (or a reserved topic) did not allow: dropped.</summary>
    PublishDenied,

    /// <summary>A SUBSCRIBE filter the ACL did not allow: refused in SUBACK.</summary>
    SubscribeDenied,
}

/// <summary>
/// One refusal, as the broker saw it. <see cref="ReasonCode"/> is what the client was told (an MQTT 5 reason code, or a
/// 3.1.1 CONNACK return code for a 3.1.1 client); null when it was told nothing (the socket was closed, or a 3.1.1 publish).
/// </summary>
public sealed record BrokerAuditEvent(
    BrokerAuditKind Kind,
    DateTimeOffset Time,
    string? ClientId,
    string? UserName,
    string? Address,
    string? Topic,
    int? ReasonCode,
    string Reason);

/// <summary>How many refusals wait for their reader; the host sets it (the dashboard from <c>EventLog:QueueCapacity</c>).</summary>
public sealed class BrokerAuditFeedOptions
{
    [System.ComponentModel.DataAnnotations.Range(1, 1_000_000)]
    public int Capacity { get; set; } = 10_000;
}

/// <summary>
/// Refusals (connections, publishes, subscriptions) for the host's event log: a bounded channel written without waiting
/// from the broker's packet path and read by one reader. When it is full the refusal is dropped and counted: a flood of
/// bad logins must never slow the broker down, and only costs the log its detail.
/// </summary>
public sealed class BrokerAuditFeed(IOptions<BrokerAuditFeedOptions> options, Metrics.BrokerMetrics metrics)
{
    private readonly Channel<BrokerAuditEvent> _channel = Channel.CreateBounded<BrokerAuditEvent>(new BoundedChannelOptions(options.Value.Capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait, // TryWrite then answers false instead of dropping silently
    });

    private long _dropped;

    /// <summary>Refusals dropped since start because the reader was behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _channel.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>Takes the next refusal; only one reader may call it.</summary>
    public bool TryRead(out BrokerAuditEvent refusal) => _channel.Reader.TryRead(out refusal!);

    internal void Raise(BrokerAuditEvent refusal)
    {
        if (!_channel.Writer.TryWrite(refusal))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Every refused connection comes here: told to the event log, and counted (with who) for the health alert rules.</summary>
    internal void ConnectionRefused(Transport.ClientConnection? connection, System.Net.EndPoint? address, int? reasonCode, string reason, DateTimeOffset time)
    {
        var refusal = new BrokerAuditEvent(BrokerAuditKind.ConnectionRefused, time, NullIfEmpty(connection?.ClientId), NullIfEmpty(connection?.UserName),
            AddressOf(connection?.RemoteEndPoint ?? address), null, reasonCode, reason);
        metrics.RefusedConnections.Add(new Metrics.Refusal(time, refusal.Address, refusal.UserName, refusal.ClientId));
        Raise(refusal);
    }

    internal void Denied(BrokerAuditKind kind, string clientId, string? userName, System.Net.EndPoint? address, string topic, int? reasonCode, string reason, DateTimeOffset time) =>
        Raise(new BrokerAuditEvent(kind, time, NullIfEmpty(clientId), NullIfEmpty(userName), AddressOf(address), topic, reasonCode, reason));

    /// <summary>The address alone, as bans take it (no port; an IPv4-mapped IPv6 address as IPv4).</summary>
    internal static string? AddressOf(System.Net.EndPoint? endPoint) => endPoint switch
    {
        System.Net.IPEndPoint ip => Transport.PendingConnections.Normalize(ip.Address).ToString(),
        null => null,
        var other => other.ToString(),
    };

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
