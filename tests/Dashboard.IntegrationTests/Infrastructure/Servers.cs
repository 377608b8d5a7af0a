namespace Dashboard.Servers;

// The servers live in tests/Servers (shared with the bench); here they become xunit class fixtures.
public sealed partial class PostgreSqlServer : IAsyncLifetime
{
}

public sealed partial class RedisServer : IAsyncLifetime
{
}
