using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using MQTTnet;

namespace Dashboard.Bench;

/// <summary>
/// Counts what arrives on bench/#: each payload starts with the publisher's index and the message's sequence
/// number, so duplicates (QoS 1 redelivery) are told apart from new messages and the lost ones can be counted.
/// </summary>
internal sealed class Subscriber
{
    private readonly bool[][] _seen;
    private readonly int _expected;
    private readonly TaskCompletionSource _allReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _unique;
    private int _duplicates;
    private int _foreign;
    private long _lastReceivedTimestamp;

    public Subscriber(IMqttClient client, int publishers, int messagesPerPublisher)
    {
        _seen = [.. Enumerable.Range(0, publishers).Select(_ => new bool[messagesPerPublisher])];
        _expected = publishers * messagesPerPublisher;
        client.ApplicationMessageReceivedAsync += OnMessage;
    }

    public int Unique => Volatile.Read(ref _unique);
    public int Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>Messages that were not the bench's (wrong size or numbers out of range); should stay 0.</summary>
    public int Foreign => Volatile.Read(ref _foreign);

    /// <summary>Stopwatch timestamp of the last message received, 0 before the first.</summary>
    public long LastReceivedTimestamp => Interlocked.Read(ref _lastReceivedTimestamp);

    public Task AllReceived => _allReceived.Task;

    /// <summary>The payload of message <paramref name="sequence"/> of publisher <paramref name="publisher"/>.</summary>
    public static byte[] Payload(int publisher, int sequence, int size)
    {
        var payload = new byte[size];
        BinaryPrimitives.WriteInt32LittleEndian(payload, publisher);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(4), sequence);
        payload.AsSpan(8).Fill((byte)'x');
        return payload;
    }

    // MQTTnet raises this for one message at a time (and sends the PUBACK after it returns), so the
    // bookkeeping needs no lock; the counters are read from other threads, hence the interlocked writes.
    private Task OnMessage(MqttApplicationMessageReceivedEventArgs e)
    {
        Interlocked.Exchange(ref _lastReceivedTimestamp, Stopwatch.GetTimestamp());
        var payload = e.ApplicationMessage.Payload;
        Span<byte> header = stackalloc byte[8];
        if (payload.Length < 8)
        {
            Interlocked.Increment(ref _foreign);
            return Task.CompletedTask;
        }

        payload.Slice(0, 8).CopyTo(header);
        var publisher = BinaryPrimitives.ReadInt32LittleEndian(header);
        var sequence = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        if ((uint)publisher >= (uint)_seen.Length || (uint)sequence >= (uint)_seen[publisher].Length)
        {
            Interlocked.Increment(ref _foreign);
        }
        else if (_seen[publisher][sequence])
        {
            Interlocked.Increment(ref _duplicates);
        }
        else
        {
            _seen[publisher][sequence] = true;
            if (Interlocked.Increment(ref _unique) == _expected)
            {
                _allReceived.TrySetResult();
            }
        }

        return Task.CompletedTask;
    }
}
