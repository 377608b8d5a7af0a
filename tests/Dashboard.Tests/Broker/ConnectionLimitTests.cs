using Dashboard.Broker.Transport;

namespace Dashboard.Tests.Broker;

public sealed class ConnectionLimitTests
{
    [Theory]
    [InlineData(0, 20_000L, 19_000, false)] // unset: the open-file limit less 1,000 for the dashboard and the database
    [InlineData(0, 1_048_576L, 1_047_576, false)]
    [InlineData(0, 1_024L, 768, false)] // a small limit keeps a quarter
    [InlineData(5_000, 20_000L, 5_000, false)] // set below what the limit allows: as set
    [InlineData(50_000, 20_000L, 19_000, true)] // set above: lowered, and said so at start
    public void The_broker_never_holds_more_connections_than_the_open_file_limit_allows(int configured, long openFiles, int max, bool lowered)
    {
        var limit = new ConnectionLimit(configured, openFiles);

        Assert.Equal(max, limit.Max);
        Assert.Equal(lowered, limit.Lowered);
    }

    [Theory]
    [InlineData(0, ConnectionLimit.FallbackWhereUnknown)]
    [InlineData(50_000, 50_000)]
    public void Where_the_open_file_limit_is_unknown_the_setting_applies(int configured, int max)
    {
        var limit = new ConnectionLimit(configured, openFiles: null);

        Assert.Equal(max, limit.Max);
        Assert.False(limit.Lowered);
    }

    [Fact]
    public void This_process_reads_its_own_open_file_limit()
    {
        var limit = new ConnectionLimit(Microsoft.Extensions.Options.Options.Create(new Dashboard.Broker.BrokerOptions()));

        Assert.NotNull(limit.OpenFiles); // Linux: /proc/self/limits
        Assert.InRange(limit.Max, 1, limit.OpenFiles!.Value - 1);
    }
}
