using MQTTnet.Packets;

namespace Dashboard.Broker.Transport;

/// <summary>
/// MQTT 5's Receive Maximum from a client's CONNECT [MQTT-3.3.4-9]: at most <see cref="Size"/> QoS 1/2 PUBLISHes sent to it
/// and not yet acknowledged. Those beyond wait here, in order, while everything else (acknowledgements of its own
/// publishes, SUBACK, PINGRESP, QoS 0 messages) still goes out: a client waiting for its PUBACK before it acknowledges
/// what it received, or for a PINGRESP, would otherwise wait for ever.
/// </summary>
internal sealed class SendWindow(ushort size)
{
    private readonly Queue<MqttPublishPacket> _waiting = new();
    private int _unacknowledged;

    public ushort Size { get; } = size;

    /// <summary>True when <paramref name="publish"/> may be sent now (it takes a place); false when it waits for one.</summary>
    public bool TryTake(MqttPublishPacket publish)
    {
        lock (_waiting)
        {
            if (_waiting.Count == 0 && _unacknowledged < Size)
            {
                _unacknowledged++;
                return true;
            }

            _waiting.Enqueue(publish);
            return false;
        }
    }

    /// <summary>A delivery ended (PUBACK, PUBCOMP, a failing PUBREC): the next waiting PUBLISH, which takes its place, or null.</summary>
    public MqttPublishPacket? Release()
    {
        lock (_waiting)
        {
            if (_waiting.TryDequeue(out var next))
            {
                return next;
            }

            _unacknowledged = Math.Max(0, _unacknowledged - 1);
            return null;
        }
    }
}
