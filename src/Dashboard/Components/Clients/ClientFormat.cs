using System.Globalization;
using Dashboard.Broker.Admin;

namespace Dashboard.Components.Clients;

/// <summary>How the Clients page writes what it shows.</summary>
internal static class ClientFormat
{
    /// <summary><c>QoS 1 · no local · retain as published · retain handling 2 · id 7</c>: the options that differ from the defaults.</summary>
    public static string Options(BrokerClientSubscription s)
    {
        List<string> parts = [$"QoS {s.Qos}"];
        if (s.NoLocal)
        {
            parts.Add("no local");
        }

        if (s.RetainAsPublished)
        {
            parts.Add("retain as published");
        }

        if (s.RetainHandling != 0)
        {
            parts.Add(s.RetainHandling == 1 ? "retained only if new" : "no retained");
        }

        if (s.SubscriptionIdentifier is { } id)
        {
            parts.Add($"id {id}");
        }

        return string.Join(" · ", parts);
    }

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>
    /// "&lt; 1 min", "3 min", "2 h 5 min", "4 d 1 h": how long ago, or how long until. By the minute, so that a page
    /// polling every few seconds renders again only when something it shows has changed.
    /// </summary>
    public static string Span(TimeSpan span)
    {
        span = span.Duration();
        return span.TotalMinutes < 1 ? "< 1 min"
            : span.TotalHours < 1 ? $"{(int)span.TotalMinutes} min"
            : span.TotalDays < 1 ? $"{(int)span.TotalHours} h" + (span.Minutes > 0 ? $" {span.Minutes} min" : "")
            : $"{(int)span.TotalDays} d" + (span.Hours > 0 ? $" {span.Hours} h" : "");
    }

    public static string KeepAlive(int? seconds) => seconds is null or 0 ? "none" : $"{seconds} s";
}
