namespace Dashboard.Devices;

/// <summary>Why a device's presence changed; stored with each change and shown on its timeline.</summary>
public enum PresenceCause
{
    /// <summary>Its status topic said so (a retained status included).</summary>
    StatusTopic,

    /// <summary>Its client's Last Will said so; the detail says why the connection ended.</summary>
    Will,

    /// <summary>The client that publishes its readings connected.</summary>
    Connected,

    /// <summary>That client disconnected cleanly.</summary>
    Disconnected,

    /// <summary>That client's connection was lost.</summary>
    ConnectionLost,

    /// <summary>That client sent nothing for a whole keep-alive period.</summary>
    KeepAliveTimeout,

    /// <summary>Another connection took that client's session over.</summary>
    TakenOver,

    /// <summary>The broker was shutting down.</summary>
    BrokerStopped,

    /// <summary>The gateway it is behind went offline (a Zigbee2MQTT bridge, a Sparkplug edge node's death).</summary>
    GatewayOffline,

    /// <summary>Nothing arrived for longer than its "expected every" interval.</summary>
    Silent,

    /// <summary>A reading arrived after such a silence.</summary>
    Reading,
}

public static class PresenceCauseText
{
    /// <summary>The cause as the HTTP API writes it.</summary>
    public static string ToWire(this PresenceCause cause) => cause switch
    {
        PresenceCause.StatusTopic => "status-topic",
        PresenceCause.Will => "will",
        PresenceCause.Connected => "connected",
        PresenceCause.Disconnected => "disconnected",
        PresenceCause.ConnectionLost => "connection-lost",
        PresenceCause.KeepAliveTimeout => "keep-alive-timeout",
        PresenceCause.TakenOver => "taken-over",
        PresenceCause.BrokerStopped => "broker-stopped",
        PresenceCause.GatewayOffline => "gateway-offline",
        PresenceCause.Silent => "silent",
        _ => "reading",
    };
}
