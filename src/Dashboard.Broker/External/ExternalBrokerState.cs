namespace Dashboard.Broker.External;

/// <summary>The dashboard's connection to the external broker, for the Overview and the health check.</summary>
/// <param name="Address">The broker, as <c>mqtt://host:port</c> or <c>mqtts://host:port</c>.</param>
/// <param name="ConnectedSince">Null while not connected.</param>
/// <param name="Problem">Why the last attempt failed or the connection ended, in words; null when all is well.</param>
public sealed record ExternalBrokerState(string Address, DateTimeOffset? ConnectedSince, string? Problem)
{
    public bool Connected => ConnectedSince is not null;
}
