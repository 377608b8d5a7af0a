using System.Globalization;
using Dashboard.Broker.Metrics;

namespace Dashboard.Alerts.Health;

/// <summary>
/// The health samples of the last longest window, so a count rule reads "how many in the last N s" as the counter now
/// minus the counter at the window's start; and the words of a raised health alert. Pure: samples are handed in.
/// </summary>
/// <remarks>
/// At most about <see cref="MaxSamples"/> samples are kept over the longest window (a 1-day window keeps one every 24 s),
/// so a count's window starts at the latest kept sample at or before now − window: it spans the window, or up to one
/// step more. Before the first sample that old, a count is taken since the first sample.
/// </remarks>
public sealed class HealthHistory(RecentRefusals refusedConnections, RecentRefusals failedLogins, string diskPath) : IHealthReading
{
    public const int MaxSamples = 3600;

    private readonly List<HealthSample> _samples = [];
    private HealthSample _now;

    public HealthHistory(BrokerMetrics metrics, string diskPath) : this(metrics.RefusedConnections, metrics.FailedLogins, diskPath)
    {
    }

    /// <summary>
    /// Takes the figures now; keeps what <paramref name="longestWindow"/> (the rules' longest) needs: with no window, the
    /// last sample or two, so a rule created later counts from then, not from a past no rule looked at.
    /// </summary>
    public void Add(HealthSample sample, TimeSpan longestWindow)
    {
        _now = sample;
        if (_samples.Count == 0 || sample.Time - _samples[^1].Time >= longestWindow / MaxSamples)
        {
            _samples.Add(sample);
        }

        var first = StartIndex(sample.Time - longestWindow);
        if (first >= 256 || (first > 0 && first >= _samples.Count / 2))
        {
            _samples.RemoveRange(0, first); // in batches: a shift of the list every tick would be wasted
        }
    }

    public double? Value(AlertRule rule) => rule.Signal switch
    {
        HealthSignal.DroppedMessages => Since(rule.Window, s => s.Dropped),
        HealthSignal.RefusedConnections => Since(rule.Window, s => s.RefusedConnections),
        HealthSignal.FailedLogins => Since(rule.Window, s => s.FailedLogins),
        HealthSignal.IngestionBacklog when _samples.Count > 0 => _now.Backlog,
        HealthSignal.FreeDiskMegabytes when _now.FreeBytes is { } free => free / 1_048_576.0,
        HealthSignal.FreeDiskPercent when _now.FreeBytes is not null && _now.TotalBytes is > 0 => Percent(),
        _ => null,
    };

    /// <summary>
    /// What the alert says: <c>23 failed logins in the last 5 min, most from 10.0.0.7 / user bob</c>, <c>57 messages
    /// dropped in the last 5 min: 50 with a client's queue full, 7 with the ingestion channel full</c>.
    /// </summary>
    public string Describe(AlertRule rule, double value)
    {
        var condition = $" ({rule.DescribeCondition(withClearing: false)})";
        var window = $"in the last {AlertText.Duration(rule.Window)}";
        return rule.Signal switch
        {
            HealthSignal.FailedLogins => $"{Count(value, "failed login")} {window}{MostFrom(failedLogins, rule.Window)}",
            HealthSignal.RefusedConnections => $"{Count(value, "connection")} refused {window}{MostFrom(refusedConnections, rule.Window)}",
            HealthSignal.DroppedMessages => $"{Count(value, "message")} dropped {window}{DroppedCauses(rule.Window)}",
            HealthSignal.IngestionBacklog => $"{Count(value, "broker event")} waiting to be ingested{condition}",
            _ => string.Create(CultureInfo.InvariantCulture, $"{_now.FreeBytes / 1_048_576.0:N0} MB free ({Percent():0.#} %) on the volume of {diskPath}{condition}"),
        };
    }

    private double Percent() => _now.TotalBytes is > 0 ? 100.0 * _now.FreeBytes.GetValueOrDefault() / _now.TotalBytes.Value : 0;

    private double? Since(TimeSpan window, Func<HealthSample, long> counter) =>
        _samples.Count == 0 ? null : counter(_now) - counter(_samples[StartIndex(_now.Time - window)]);

    /// <summary>The latest sample at or before <paramref name="start"/>, or the first one.</summary>
    private int StartIndex(DateTimeOffset start)
    {
        int low = 0, high = _samples.Count - 1, found = 0;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (_samples[middle].Time <= start)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return found;
    }

    private string DroppedCauses(TimeSpan window)
    {
        if (_samples.Count == 0)
        {
            return "";
        }

        var start = _samples[StartIndex(_now.Time - window)];
        var causes = new (long Count, string Cause)[]
        {
            (_now.QueueFull - start.QueueFull, "with a client's queue full"),
            (_now.TooLarge - start.TooLarge, "too large"),
            (_now.RateLimited - start.RateLimited, "over a client's publish rate"),
            (_now.IngestionFull - start.IngestionFull, "with the ingestion channel full"),
        };
        var parts = causes.Where(c => c.Count > 0).OrderByDescending(c => c.Count)
            .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Count:N0} {c.Cause}"));
        return string.Join(", ", parts) is { Length: > 0 } text ? ": " + text : "";
    }

    /// <summary><c>, most from 10.0.0.7 / user bob</c>: among the refusals kept (the last few hundred) in the window.</summary>
    private string MostFrom(RecentRefusals refusals, TimeSpan window)
    {
        var recent = refusals.Since(_now.Time - window);
        var address = Most(recent.Select(r => r.Address));
        var user = Most(recent.Select(r => r.UserName));
        var client = user is null ? Most(recent.Select(r => r.ClientId)) : null;
        var who = new[] { address, user is null ? null : $"user {user}", client is null ? null : $"client {client}" }.OfType<string>().ToList();
        return who.Count == 0 ? "" : ", most from " + string.Join(" / ", who);
    }

    /// <summary>The most frequent value, made printable: usernames and client ids are the client's choice, and go into e-mails.</summary>
    private static string? Most(IEnumerable<string?> values) =>
        values.OfType<string>().GroupBy(v => v, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Printable(g.Key)).FirstOrDefault();

    private static string Printable(string text)
    {
        var shown = new string([.. text.Take(64).Select(c => char.IsControl(c) || char.IsSurrogate(c) ? '?' : c)]);
        return text.Length > 64 ? shown + "…" : shown;
    }

    private static string Count(double value, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{value:N0} {noun}{(value == 1 ? "" : "s")}");
}

/// <summary>A health rule's figure now, and the words of its alert (see <see cref="HealthHistory"/>).</summary>
public interface IHealthReading
{
    /// <summary>The rule's figure now: a count over its window, the backlog, free space; null when it cannot be read.</summary>
    double? Value(AlertRule rule);

    /// <summary>What an alert raised at <paramref name="value"/> says.</summary>
    string Describe(AlertRule rule, double value);
}
