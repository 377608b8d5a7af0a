using Dashboard.Broker.Sessions;
using MQTTnet.Protocol;

namespace Dashboard.Tests.Broker;

public sealed class SessionRecordTests
{
    [Fact]
    public void An_offline_session_expires_after_its_interval()
    {
        var record = new SessionRecord("device") { ExpirySeconds = 60, DisconnectedAt = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc) };

        Assert.False(record.IsExpired(new DateTime(2026, 1, 1, 0, 0, 59, DateTimeKind.Utc)));
        Assert.True(record.IsExpired(new DateTime(2026, 1, 1, 0, 1, 0, DateTimeKind.Utc)));
    }
}
