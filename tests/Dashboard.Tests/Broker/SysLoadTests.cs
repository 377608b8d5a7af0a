using Dashboard.Broker.Status;

namespace Dashboard.Tests.Broker;

/// <summary>Mosquitto's load averages (sys_tree.c: rate per minute, decayed by e^(-seconds/60|300|900)); the figures by hand, in Python.</summary>
public sealed class SysLoadTests
{
    [Fact]
    public void Loads_start_at_zero_then_follow_the_rate_per_minute_as_mosquitto_smooths_it()
    {
        var load = new SysLoad("messages/received");

        Assert.Equal([("load/messages/received/1min", "0.00"), ("load/messages/received/5min", "0.00"), ("load/messages/received/15min", "0.00")],
            load.Update(1_000, seconds: 0));
        // 600 messages in 10 s: 3,600 a minute.
        Assert.Equal(["552.67", "118.02", "39.78"], load.Update(1_600, seconds: 10).Select(l => l.Value));
        // Then none for 10 s: each decays.
        Assert.Equal(["467.82", "114.15", "39.34"], load.Update(1_600, seconds: 10).Select(l => l.Value));
    }
}
