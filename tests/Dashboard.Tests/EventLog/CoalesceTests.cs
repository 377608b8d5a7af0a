using Dashboard.Broker.Admin;
using Dashboard.EventLog;

namespace Dashboard.Tests.EventLog;

public sealed class CoalesceTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-12-02T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Identical_refusals_in_a_batch_are_one_row_with_a_count_at_the_first_time()
    {
        var retry = new BrokerAuditEvent(BrokerAuditKind.ConnectionRefused, T0, "sensor", "alice", "10.0.0.5", null, 0x86, "bad user name or password");
        var other = retry with { ClientId = "other" };

        var rows = EventLogWriter.Coalesce([retry, retry with { Time = T0.AddSeconds(1) }, other, retry with { Time = T0.AddSeconds(2) }]);

        Assert.Equal(2, rows.Count);
        var first = rows.Single(r => r.ClientId == "sensor");
        Assert.Equal(3, first.Count);
        Assert.Equal(T0.UtcDateTime, first.Time);
        Assert.Equal(EventKinds.ConnectionRefused, first.Kind);
        Assert.Equal(0x86, first.ReasonCode);
        Assert.Equal(1, rows.Single(r => r.ClientId == "other").Count);
    }

    [Fact]
    public void Denials_of_different_topics_stay_apart()
    {
        var denied = new BrokerAuditEvent(BrokerAuditKind.PublishDenied, T0, "c", null, "10.0.0.5", "a", 0x87, "the ACL does not allow publishing here");

        var rows = EventLogWriter.Coalesce([denied, denied with { Topic = "b" }]);

        Assert.Equal(["a", "b"], rows.Select(r => r.Topic));
        Assert.All(rows, r => Assert.Equal(EventKinds.PublishDenied, r.Kind));
    }
}
