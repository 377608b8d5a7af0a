using System.Text.Json;
using Dashboard.Broker.Events;

namespace Dashboard.Broker.External;

/// <summary>
/// EMQX's client events, <c>$SYS/brokers/&lt;node&gt;/clients/&lt;client id&gt;/connected|disconnected</c> with a JSON
/// payload (EMQX documentation, "System Topic"), read as the connect and disconnect events the embedded broker produces,
/// so a device's presence follows its connection here too. Pure: no I/O.
/// </summary>
public static class EmqxClientEvents
{
    /// <summary>The filters that carry them (a plain subscription: every dashboard instance needs every connection's state).</summary>
    public static readonly string[] Filters = ["$SYS/brokers/+/clients/+/connected", "$SYS/brokers/+/clients/+/disconnected"];

    public static bool IsClientEvent(string topic) => topic.StartsWith("$SYS/brokers/", StringComparison.Ordinal);

    /// <summary>The event for one such publish, or false when the topic or payload is not one.</summary>
    public static bool TryRead(string topic, ReadOnlySpan<byte> payload, DateTimeOffset now, out BrokerEvent brokerEvent)
    {
        brokerEvent = default;
        var levels = topic.Split('/');
        if (levels.Length != 6 || levels[0] != "$SYS" || levels[1] != "brokers" || levels[3] != "clients"
            || levels[5] is not ("connected" or "disconnected"))
        {
            return false;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload.ToArray());
        }
        catch (JsonException)
        {
            return false;
        }

        using var _ = document;
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        var clientId = Text(root, "clientid") ?? levels[4];
        var connected = levels[5] == "connected";
        var reason = Text(root, "reason");
        var end = connected ? ConnectionEnd.None : End(reason);
        var info = new ClientInfo(
            clientId,
            Text(root, "username") is { Length: > 0 } user and not "undefined" ? user : null,
            Text(root, "ipaddress"),
            "mqtt",
            Protocol(root),
            Bool(root, "clean_start") ?? Bool(root, "clean_session") ?? true,
            (ushort)Math.Clamp(Number(root, "keepalive") ?? 0, 0, ushort.MaxValue),
            Time(root, "connected_at") ?? now,
            Graceful: end == ConnectionEnd.Disconnected,
            WillTopic: null,
            end);
        brokerEvent = new BrokerEvent(
            connected ? BrokerEventKind.ClientConnected : BrokerEventKind.ClientDisconnected, now, clientId, null, default, default, false, info);
        return true;
    }

    /// <summary>EMQX's disconnect reasons (<c>normal</c> is a DISCONNECT from the client; the rest are not).</summary>
    private static ConnectionEnd End(string? reason) => reason switch
    {
        "normal" => ConnectionEnd.Disconnected,
        "keepalive_timeout" => ConnectionEnd.KeepAliveTimeout,
        "takenover" or "takeovered" or "discarded" => ConnectionEnd.TakenOver,
        _ => ConnectionEnd.ConnectionLost,
    };

    private static string Protocol(JsonElement root) => Number(root, "proto_ver") switch
    {
        3 => "3.1",
        4 => "3.1.1",
        5 => "5.0",
        _ => "unknown",
    };

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : null;

    private static bool? Bool(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

    private static DateTimeOffset? Time(JsonElement root, string name) =>
        Number(root, name) is { } ms && ms > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}
