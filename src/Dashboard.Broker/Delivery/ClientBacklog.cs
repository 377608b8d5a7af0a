using MQTTnet;
using MQTTnet.Server.Internal;

namespace Dashboard.Broker.Delivery;

/// <summary>
/// What the broker has handed to MQTTnet for one connected client, and what waits here beyond that. Counted by
/// <see cref="ClientQueues"/>; lock the backlog to hold or move messages.
/// </summary>
internal sealed class ClientBacklog
{
    private Queue<HeldMessage>? _held;
    private int _heldCount;
    private int _queued;
    private int _inFlight;

    /// <summary>MQTTnet's session of the client, from CONNACK on.</summary>
    public MqttSession? Session { get; set; }

    /// <summary>Handed to MQTTnet and not sent yet.</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>QoS 1/2 PUBLISHes sent and not acknowledged yet.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Waiting here, oldest first.</summary>
    public int HeldCount => Volatile.Read(ref _heldCount);

    public void Hold(HeldMessage message)
    {
        (_held ??= new()).Enqueue(message);
        Interlocked.Increment(ref _heldCount);
    }

    public bool TryTakeHeld(out HeldMessage message)
    {
        if (_held is { } held && held.TryDequeue(out message))
        {
            Interlocked.Decrement(ref _heldCount);
            return true;
        }

        message = default;
        return false;
    }

    public void Handed() => Interlocked.Increment(ref _queued);

    /// <summary>MQTTnet dropped a message it was handed (its own queue was full).</summary>
    public void Unhanded() => DecrementToZero(ref _queued);

    public void Sent(bool awaitsAcknowledgement)
    {
        // Messages MQTTnet queued without asking (a stored session's, on reconnect) were never counted: never below zero.
        DecrementToZero(ref _queued);
        if (awaitsAcknowledgement)
        {
            Interlocked.Increment(ref _inFlight);
        }
    }

    public void Acknowledged() => DecrementToZero(ref _inFlight);

    private static void DecrementToZero(ref int counter)
    {
        var current = Volatile.Read(ref counter);
        while (current > 0 && Interlocked.CompareExchange(ref counter, current - 1, current) is var seen && seen != current)
        {
            current = seen;
        }
    }
}

/// <summary>A message held for a client, with its publisher (for No Local when it moves on).</summary>
internal readonly record struct HeldMessage(MqttApplicationMessage Message, string? SenderClientId);
