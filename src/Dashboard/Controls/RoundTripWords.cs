using System.Globalization;
using Dashboard.Broker.Tracking;
using MQTTnet.Protocol;

namespace Dashboard.Controls;

/// <summary>How a step of a round trip went: the UI's icon and colour.</summary>
public enum StepTone
{
    Good,
    Bad,
    Waiting,
    Neutral,
}

/// <summary>A command's round trip in words, as the UI shows it: "sent · delivered to 1 (PUBACK) · confirmed in 120 ms".</summary>
public static class RoundTripWords
{
    public static string Summary(CommandRoundTrip trip) => string.Join(" · ", Steps(trip).Select(s => s.Text));

    /// <summary>The round trip's steps, each with how it went.</summary>
    public static IEnumerable<(string Text, StepTone Tone)> Steps(CommandRoundTrip trip)
    {
        yield return ("sent", StepTone.Good);
        if (Delivered(trip.Deliveries) is { } delivered)
        {
            yield return delivered;
        }

        var queued = trip.Deliveries.Count(d => d.State == DeliveryState.Queued);
        if (queued > 0)
        {
            yield return ($"queued for {Count(queued, "offline session")}", StepTone.Neutral);
        }

        var lost = trip.Deliveries.Count(d => d.State is DeliveryState.Dropped or DeliveryState.Refused);
        if (lost > 0)
        {
            yield return ($"not delivered to {lost} (queue full or not allowed)", StepTone.Bad);
        }

        var timeout = Seconds(trip.Timeout);
        yield return trip.Outcome switch
        {
            CommandOutcome.Confirmed => ($"confirmed in {trip.ConfirmedInMs?.ToString("0", CultureInfo.InvariantCulture)} ms", StepTone.Good),
            CommandOutcome.NoAnswer => (trip.StateSeen is { } seen ? $"no answer within {timeout} (state still {seen})" : $"no answer within {timeout}", StepTone.Bad),
            CommandOutcome.NotConfirmable => ("not confirmable (no state topic)", StepTone.Neutral),
            CommandOutcome.Queued => ("not confirmed: the device is offline", StepTone.Neutral),
            CommandOutcome.NoSubscriber => ("no subscriber", StepTone.Bad),
            CommandOutcome.NotDelivered => ("delivered to nobody", StepTone.Bad),
            _ => (trip.StateTopic is null ? "delivering…" : $"waiting for {trip.StateTopic}…", StepTone.Waiting),
        };
    }

    private static (string, StepTone)? Delivered(IReadOnlyList<SessionDelivery> deliveries)
    {
        var online = deliveries.Where(d => d.State is DeliveryState.Pending or DeliveryState.Sent or DeliveryState.Acknowledged).ToList();
        if (online.Count == 0)
        {
            return null;
        }

        var acks = online.Where(d => d.State == DeliveryState.Acknowledged).GroupBy(d => d.Qos == MqttQualityOfServiceLevel.ExactlyOnce ? "PUBCOMP" : "PUBACK")
            .Select(g => online.Count > 1 ? $"{g.Count()} {g.Key}" : g.Key);
        var written = online.Count(d => d is { State: DeliveryState.Sent, Qos: MqttQualityOfServiceLevel.AtMostOnce });
        var waiting = online.Count - online.Count(d => d.State == DeliveryState.Acknowledged) - written;
        var how = acks.Concat(written > 0 ? [online.Count > 1 ? $"{written} QoS 0" : "QoS 0, no acknowledgement"] : [])
            .Concat(waiting > 0 ? [$"{waiting} awaiting acknowledgement"] : []);
        return ($"delivered to {online.Count} ({string.Join(", ", how)})", waiting == 0 ? StepTone.Good : StepTone.Waiting);
    }

    private static string Seconds(TimeSpan span) =>
        span.TotalSeconds >= 1 ? $"{span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s" : $"{span.TotalMilliseconds:0} ms";

    private static string Count(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";
}
