using System.Text;
using Dashboard.Broker.Events;
using Dashboard.Devices;
using Dashboard.Devices.Conventions;
using Dashboard.Ingestion;
using Dashboard.Live;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;

namespace Dashboard.Tests.Live;

/// <summary>Live state fed the way ingestion feeds it: broker events, parsed once, on one thread.</summary>
internal sealed class LiveFixture : IDisposable
{
    private readonly PresenceParser _presence = new(new DevicesOptions());
    private readonly DeviceResolver _devices = new(maxStatusDevices: 1000);
    private readonly Dictionary<string, DateTimeOffset> _connectedAt = [];
    private readonly DeviceConventions _conventions;

    public LiveFixture(LiveOptions? options = null, params IDeviceConvention[] conventions)
    {
        _conventions = new DeviceConventions(conventions);
        Feed = new LiveFeed(NullLogger<LiveFeed>.Instance);
        State = new LiveState(Options.Create(options ?? new LiveOptions()), Feed, TimeProvider.System, NullLogger<LiveState>.Instance);
    }

    public LiveFeed Feed { get; }
    public LiveState State { get; }
    public DateTimeOffset Clock { get; set; } = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    public void Publish(string topic, string payload, string clientId = "", bool retain = false, bool restored = false) =>
        Publish(topic, Encoding.UTF8.GetBytes(payload), clientId, retain, restored);

    public void Publish(string topic, byte[] payload, string clientId = "", bool retain = false, bool restored = false)
    {
        Tick();
        var brokerEvent = new BrokerEvent(BrokerEventKind.MessagePublished, Clock, clientId, topic, payload,
            MqttQualityOfServiceLevel.AtLeastOnce, retain, null, restored);
        State.Handle(IngestedEvent.From(brokerEvent, _presence, _devices, conventions: _conventions));
    }

    public void Connect(string clientId, string? willTopic = null)
    {
        _connectedAt[clientId] = Clock.AddSeconds(1); // the time Connection ticks to
        Connection(BrokerEventKind.ClientConnected, Client(clientId, graceful: false, willTopic));
    }

    /// <param name="graceful">The client sent DISCONNECT; otherwise its connection was lost.</param>
    public void Disconnect(string clientId, bool graceful, string? willTopic = null) =>
        Connection(BrokerEventKind.ClientDisconnected, Client(clientId, graceful, willTopic));

    /// <summary>The Last Will of <paramref name="clientId"/>, as the broker publishes it once the connection is lost.</summary>
    public void PublishWill(string clientId, string topic, byte[] payload)
    {
        Tick();
        var will = Client(clientId, graceful: false, topic) with { End = ConnectionEnd.ConnectionLost };
        var brokerEvent = new BrokerEvent(BrokerEventKind.MessagePublished, Clock, clientId, topic, payload, MqttQualityOfServiceLevel.AtLeastOnce, false, will);
        State.Handle(IngestedEvent.From(brokerEvent, _presence, _devices, conventions: _conventions));
    }

    public DeviceSnapshot Device(string id) => State.Device(id) ?? throw new InvalidOperationException($"No device {id}; known: {string.Join(", ", State.Devices().Select(d => d.Id))}");

    public void Dispose() => Feed.Dispose();

    private void Connection(BrokerEventKind kind, ClientInfo client)
    {
        Tick();
        State.Handle(IngestedEvent.From(new BrokerEvent(kind, Clock, client.ClientId, null, default, default, false, client), _presence, _devices));
    }

    private ClientInfo Client(string clientId, bool graceful, string? willTopic) =>
        new(clientId, null, "192.0.2.7:50000", "tcp", "3.1.1", true, 60, _connectedAt.GetValueOrDefault(clientId, Clock), graceful, willTopic);

    private void Tick() => Clock = Clock.AddSeconds(1);
}
