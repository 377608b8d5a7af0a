using System.Net;
using Microsoft.Extensions.Options;

namespace Dashboard.Broker.Transport;

/// <summary>
/// Counts connections that have been accepted but have not completed CONNECT (no CONNACK success yet), in total and
/// per remote address, so that sockets which never speak cannot fill <see cref="BrokerOptions.MaxConnections"/> and
/// lock real devices out. Each admitted connection holds a <see cref="Slot"/> that is given back exactly once: when
/// CONNACK success goes out, or when the connection ends (refused, timed out, closed), whichever comes first.
/// </summary>
internal sealed class PendingConnections(IOptions<BrokerOptions> options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private int _total;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _total;
            }
        }
    }

    public int CountFor(IPAddress address)
    {
        lock (_lock)
        {
            return _perAddress.GetValueOrDefault(Normalize(address));
        }
    }

    /// <summary>A slot for a new connection, or null (and why) when either cap is reached.</summary>
    public Slot? TryAdmit(EndPoint? remote, out string? refusal)
    {
        var address = (remote as IPEndPoint)?.Address is { } ip ? Normalize(ip) : null;
        var settings = options.Value;
        lock (_lock)
        {
            if (_total >= settings.MaxPendingConnections)
            {
                refusal = $"{settings.MaxPendingConnections} connections have not completed CONNECT (Broker:MaxPendingConnections)";
                return null;
            }

            var forAddress = address is null ? 0 : _perAddress.GetValueOrDefault(address);
            if (address is not null && forAddress >= settings.MaxPendingConnectionsPerAddress)
            {
                refusal = $"{settings.MaxPendingConnectionsPerAddress} connections from this address have not completed CONNECT (Broker:MaxPendingConnectionsPerAddress)";
                return null;
            }

            _total++;
            if (address is not null)
            {
                _perAddress[address] = forAddress + 1;
            }
        }

        refusal = null;
        return new Slot(this, address);
    }

    /// <summary>IPv4 clients of a dual-stack socket arrive as ::ffff:a.b.c.d; they count as a.b.c.d.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private void Release(IPAddress? address)
    {
        lock (_lock)
        {
            _total--;
            if (address is not null && _perAddress.TryGetValue(address, out var count))
            {
                if (count <= 1)
                {
                    _perAddress.Remove(address);
                }
                else
                {
                    _perAddress[address] = count - 1;
                }
            }
        }
    }

    /// <summary>One pending connection; <see cref="Release"/> may be called any number of times, it counts once.</summary>
    public sealed class Slot(PendingConnections owner, IPAddress? address)
    {
        private int _released;

        public void Release()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(address);
            }
        }
    }
}
