using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Dashboard.Broker.Sessions;

/// <summary>
/// Re-creates a stored persistent session inside MQTTnet, which has no API for it, by playing a short
/// in-process connection: CONNECT with clean start off, SUBSCRIBE with the stored filters (retained messages
/// not sent again), DISCONNECT. MQTTnet then holds the session exactly as if the client had just left.
/// </summary>
internal sealed class SessionReplayChannel : IMqttChannelAdapter
{
    private readonly Queue<MqttPacket> _script = new();

    public SessionReplayChannel(SessionRecord record)
    {
        _script.Enqueue(new MqttConnectPacket
        {
            ClientId = record.ClientId,
            CleanSession = false,
            SessionExpiryInterval = Math.Max(1, record.ExpirySeconds),
        });

        ushort packetId = 1;
        foreach (var byIdentifier in record.Subscriptions
            .Where(s => !s.Key.StartsWith(Shared.SharedSubscriptions.Prefix, StringComparison.Ordinal))
            .GroupBy(s => s.Value.Identifier))
        {
            _script.Enqueue(new MqttSubscribePacket
            {
                PacketIdentifier = packetId++,
                SubscriptionIdentifier = byIdentifier.Key,
                TopicFilters = [.. byIdentifier.Select(s => new MqttTopicFilter
                {
                    Topic = s.Key,
                    QualityOfServiceLevel = s.Value.Qos,
                    NoLocal = s.Value.NoLocal,
                    RetainAsPublished = s.Value.RetainAsPublished,
                    RetainHandling = MqttRetainHandling.DoNotSendOnSubscribe,
                })],
            });
        }

        _script.Enqueue(new MqttDisconnectPacket { ReasonCode = MqttDisconnectReasonCode.NormalDisconnection });
    }

    public MqttPacketFormatterAdapter PacketFormatterAdapter { get; } = new(MqttProtocolVersion.V500, new MqttBufferWriter(4096, 65535));

    public long BytesReceived => 0;

    public long BytesSent => 0;

    public X509Certificate2? ClientCertificate => null;

    public EndPoint? RemoteEndPoint => null;

    public EndPoint? LocalEndPoint => null;

    public bool IsSecureConnection => false;

    public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DisconnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<MqttPacket?> ReceivePacketAsync(CancellationToken cancellationToken) =>
        Task.FromResult(_script.TryDequeue(out var packet) ? packet : null);

    public Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken) => Task.CompletedTask;

    public void ResetStatistics()
    {
    }

    public void Dispose()
    {
    }
}
