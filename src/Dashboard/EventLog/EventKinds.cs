using Dashboard.Broker.Admin;

namespace Dashboard.EventLog;

/// <summary>The kinds of event, as the API and the database write them.</summary>
public static class EventKinds
{
    public const string ConnectionRefused = "connection-refused";
    public const string PublishDenied = "publish-denied";
    public const string SubscribeDenied = "subscribe-denied";
    public const string AdminAction = "admin-action";

    public static readonly IReadOnlyList<string> All = [ConnectionRefused, PublishDenied, SubscribeDenied, AdminAction];

    public static string Of(BrokerAuditKind kind) => kind switch
    {
        BrokerAuditKind.ConnectionRefused => ConnectionRefused,
        BrokerAuditKind.PublishDenied => PublishDenied,
        _ => SubscribeDenied,
    };

    /// <summary>How the page names a kind.</summary>
    public static string Describe(string kind) => kind switch
    {
        ConnectionRefused => "Connection refused",
        PublishDenied => "Publish denied",
        SubscribeDenied => "Subscribe denied",
        AdminAction => "Admin action",
        _ => kind,
    };
}

/// <summary>An event as the API and the page show it.</summary>
public sealed record EventDto(
    long Id, DateTimeOffset Time, string Kind, string? ClientId, string? UserName, string? Address, string? Topic,
    int? ReasonCode, string Detail, string? Actor, string? Target, int Count)
{
    public static EventDto From(EventEntity e) => new(e.Id, new DateTimeOffset(e.Time, TimeSpan.Zero), e.Kind, e.ClientId, e.UserName,
        e.Address, e.Topic, e.ReasonCode, e.Detail, e.Actor, e.Target, e.Count);
}

/// <summary>A page of events, newest first, with the total matching and the refusals dropped since start because the log fell behind.</summary>
public sealed record EventPage(IReadOnlyList<EventDto> Items, int Total, int Page, int Limit, long Dropped);
