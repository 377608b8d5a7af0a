using Dashboard.Broker.Tracking;

namespace Dashboard.Controls;

/// <summary>Where a command's round trip ended, or that it has not yet.</summary>
public enum CommandOutcome
{
    /// <summary>Sent; waiting for the device's state topic (or, with nothing to wait for, for its deliveries).</summary>
    InFlight,

    /// <summary>The device's state topic showed the value asked for, within the timeout.</summary>
    Confirmed,

    /// <summary>Delivered, but the state topic did not show the value within the timeout.</summary>
    NoAnswer,

    /// <summary>Delivered; the control has no state topic (or is a button), so nothing can confirm it.</summary>
    NotConfirmable,

    /// <summary>Only offline persistent sessions got it: queued for when they come back.</summary>
    Queued,

    /// <summary>No session is subscribed to the command topic.</summary>
    NoSubscriber,

    /// <summary>Subscribers exist, but none got it (their queues were full, their ACLs refuse the topic).</summary>
    NotDelivered,
}

/// <summary>One command and its round trip so far: the publish, each session's delivery, and the outcome.</summary>
public sealed record CommandRoundTrip(
    string Id,
    string DeviceId,
    string ControlId,
    string ControlName,
    string Topic,
    string Payload,
    int Qos,
    string? Expected,
    string? StateTopic,
    string By,
    DateTimeOffset SentAt,
    TimeSpan Timeout)
{
    /// <summary>The broker has decided every subscribed session's delivery.</summary>
    public bool Dispatched { get; init; }

    public IReadOnlyList<SessionDelivery> Deliveries { get; init; } = [];
    public CommandOutcome Outcome { get; init; }

    /// <summary>When the state topic showed the value (its publish's arrival).</summary>
    public DateTimeOffset? ConfirmedAt { get; init; }

    /// <summary>What the state topic last said after the command (for "no answer": the value it kept).</summary>
    public string? StateSeen { get; init; }

    /// <summary>Deliveries and outcome no longer change.</summary>
    public bool Finished { get; init; }

    public double? ConfirmedInMs => ConfirmedAt is { } at ? Math.Round((at - SentAt).TotalMilliseconds, 1) : null;
}
