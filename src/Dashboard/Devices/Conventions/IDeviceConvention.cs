using Dashboard.Readings;

namespace Dashboard.Devices.Conventions;

/// <summary>
/// One firmware's topic convention (Tasmota, ESPHome, Zigbee2MQTT …), read from its own documentation: which device a
/// topic belongs to, and whether a publish is telemetry, presence or a command. Conventions are asked in order before
/// the generic rules; the first that claims a topic decides. Each runs on ingestion's single thread, so one may keep
/// state (what a discovery config or a bridge said) without locks; it must never throw.
/// </summary>
public interface IDeviceConvention
{
    /// <summary>What the convention makes of a publish, or null when the topic is not one of its own.</summary>
    ConventionReading? Read(string topic, ReadOnlySpan<byte> payload, DateTimeOffset arrived);
}

/// <summary>
/// A convention's reading of one publish. <see cref="DeviceId"/> is stable: the same topic always gives the same device.
/// <see cref="Payload"/> carries the readings with their metric names and units already set (none for a command or a
/// config); <see cref="Presence"/> is set for a presence signal.
/// </summary>
public sealed record ConventionReading(string DeviceId, PresenceReport? Presence, ParsedPayload? Payload)
{
    /// <summary>
    /// The topic the readings' series are keyed by, when not the publish's own: a convention whose metrics travel on
    /// several topics (a Sparkplug birth and its data) names one, so a metric is one series in live state and history.
    /// </summary>
    public string? SeriesTopic { get; init; }

    /// <summary>
    /// Topics this publish assigns to <see cref="DeviceId"/> from now on (a discovery config's state and availability
    /// topics): what was read from them before, under another device, moves to it.
    /// </summary>
    public IReadOnlyList<string>? ClaimedTopics { get; init; }

    /// <summary>
    /// Topics no config declares any more (a removed or changed discovery config's state and availability topics): what
    /// was read from them goes with them, and their device too when nothing else is left of it. The next publish there is
    /// read afresh, by whichever rule then claims it.
    /// </summary>
    public IReadOnlyList<string>? ReleasedTopics { get; init; }

    /// <summary>A message the convention asks the dashboard to publish in answer (a Sparkplug rebirth request); ingestion sends it.</summary>
    public ConventionRequest? Request { get; init; }

    /// <summary>The controls a publish declares (a discovery config's), replacing what the same config declared before.</summary>
    public Controls.DeclaredControls? Controls { get; init; }

    private static readonly ParsedPayload NoReadings = new(PayloadKind.Unparsed, [], null, null, null);

    /// <summary>Readings of <paramref name="deviceId"/>; <paramref name="time"/> only when the payload's time is trustworthy (with a zone);
    /// <paramref name="state"/> is the state word a single 1/0 value stands for (<c>ON</c>), shown next to it.</summary>
    public static ConventionReading Readings(string deviceId, IReadOnlyList<ParsedValue> values, DateTimeOffset? time = null, string? state = null) =>
        new(deviceId, null, new ParsedPayload(Kind(values, state), values, time, state, null));

    private static PayloadKind Kind(IReadOnlyList<ParsedValue> values, string? state) => values.Count switch
    {
        0 => PayloadKind.Unparsed,
        1 when state is not null => PayloadKind.State,
        _ => PayloadKind.Json,
    };

    public static ConventionReading PresenceOf(string deviceId, bool online) => new(deviceId, new PresenceReport(deviceId, online), null);

    /// <summary>The presence of a gateway that speaks for the devices whose ids start with <paramref name="membersPrefix"/> (see <see cref="PresenceReport"/>).</summary>
    public static ConventionReading GatewayPresence(string deviceId, bool online, string membersPrefix, DeviceStatus membersWhenOffline) =>
        new(deviceId, new PresenceReport(deviceId, online, membersPrefix, membersWhenOffline), null);

    /// <summary>A command to the device, or anything else of its that is not telemetry (a config, an info message): no readings.</summary>
    public static ConventionReading NotTelemetry(string deviceId) => new(deviceId, null, NoReadings);
}

/// <summary>A publish a convention asks for (QoS 0, not retained); <paramref name="Reason"/> is for the log.</summary>
public sealed record ConventionRequest(string Topic, byte[] Payload, string Reason);
