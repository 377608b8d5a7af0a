namespace Dashboard.Ingestion;

/// <summary>
/// Receives every broker event, in order, on the ingestion service's single thread. Keep it quick and
/// in memory; a sink with slow work (database, network) buffers it and does it elsewhere.
/// </summary>
public interface IBrokerEventSink
{
    void Handle(in BrokerEvent brokerEvent);
}
