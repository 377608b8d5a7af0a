using System.ComponentModel.DataAnnotations;
using Dashboard.Broker.External;

namespace Dashboard.Broker;

/// <summary>Broker settings (section <c>Broker</c>).</summary>
public sealed class BrokerOptions
{
    public const string Section = "Broker";

    /// <summary>
    /// <see cref="BrokerMode.Embedded"/>: this process is the broker. <see cref="BrokerMode.External"/>: it opens no MQTT
    /// port and connects to <see cref="External"/> as a client instead (the other broker settings then do not apply).
    /// </summary>
    public BrokerMode Mode { get; set; } = BrokerMode.Embedded;

    /// <summary>The broker to connect to in External mode.</summary>
    public ExternalBrokerOptions External { get; set; } = new();

    /// <summary>Largest MQTT packet accepted, header included; larger ones close the connection before they are buffered.</summary>
    [Range(1024, 268_435_455)]
    public int MaxPacketSize { get; set; } = 1_048_576;

    /// <summary>
    /// A CA certificate file: when set, clients of the MQTT TLS listeners must present a certificate it issued
    /// (Mosquitto's <c>require_certificate</c> + <c>cafile</c>). Empty: no client certificate is asked for.
    /// </summary>
    public string? ClientCertificateAuthority { get; set; }

    /// <summary>
    /// Clients without credentials (or with a username the broker does not know) connect anonymously, under the
    /// anonymous ACL. On by default so a first run works with any client; turn it off (<c>Broker__AllowAnonymous=false</c>)
    /// once broker users exist.
    /// </summary>
    public bool AllowAnonymous { get; set; } = true;

    /// <summary>
    /// Open MQTT connections (TCP and WebSocket together); one more is closed before its CONNECT is read. Unset (0): as
    /// many as the open-file limit allows, less what the dashboard and database keep (<see cref="Transport.ConnectionLimit"/>);
    /// a larger value is lowered to that.
    /// </summary>
    [Range(0, 10_000_000)]
    public int MaxConnections { get; set; }

    /// <summary>
    /// Connections that have not completed CONNECT (no CONNACK success yet), in all; one more is closed before anything
    /// is read, so sockets that never speak cannot take every one of <see cref="MaxConnections"/>.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxPendingConnections { get; set; } = 1000;

    /// <summary>Like <see cref="MaxPendingConnections"/>, from one remote address (IPv4 address, or full IPv6 address).</summary>
    [Range(1, 1_000_000)]
    public int MaxPendingConnectionsPerAddress { get; set; } = 100;

    /// <summary>
    /// Failed logins (wrong password, unknown user or no credentials while anonymous access is off) from one address
    /// within <see cref="LoginFailureWindow"/> after which that address backs off: its CONNECTs are refused at once,
    /// without checking the password, for <see cref="LoginBackoff"/> (doubling each time it happens again, up to
    /// <see cref="LoginMaxBackoff"/>). Zero turns the per-address back-off off.
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxLoginFailuresPerAddress { get; set; } = 5;

    /// <summary>
    /// Like <see cref="MaxLoginFailuresPerAddress"/>, for one username, from any address; an address that logged in as
    /// that user before is not held back by it (so a flood cannot lock a device out of its own user). Zero: off.
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxLoginFailuresPerUser { get; set; } = 20;

    /// <summary>The window in which failed logins are counted (fail2ban's findtime).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LoginFailureWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The first back-off (fail2ban's bantime); each further one for the same address or user doubles it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LoginBackoff { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest back-off.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan LoginMaxBackoff { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Password checks waiting or running at once (each costs ~50 ms of CPU); one more CONNECT is refused at once with
    /// "server unavailable" (3.1.1 code 3, MQTT 5 0x89 "server busy") rather than wait behind them.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxPendingPasswordChecks { get; set; } = 32;

    /// <summary>Like <see cref="MaxPendingPasswordChecks"/>, from one remote address.</summary>
    [Range(1, 100_000)]
    public int MaxPendingPasswordChecksPerAddress { get; set; } = 8;

    /// <summary>Longest topic name or filter in UTF-8 bytes; a longer PUBLISH topic disconnects the client, a longer filter is refused in SUBACK.</summary>
    [Range(1, 65_535)]
    public int MaxTopicLength { get; set; } = 1024;

    /// <summary>Most levels ('/'-separated parts) in a topic name or filter; refused like <see cref="MaxTopicLength"/>.</summary>
    [Range(1, 65_535)]
    public int MaxTopicLevels { get; set; } = 32;

    /// <summary>
    /// PUBLISH packets a client may send per second, on average, with bursts up to one second's worth; zero turns the limit off.
    /// Beyond it messages are dropped and counted (MQTT 5 QoS 1/2 get PUBACK/PUBREC 0x97 "quota exceeded").
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxPublishRatePerClient { get; set; }

    /// <summary>
    /// The longest keep-alive a client may ask for (Mosquitto's <c>max_keepalive</c>); zero: no limit. An MQTT 5 client
    /// asking for more, or for none (0), gets this value as Server Keep Alive in CONNACK and is held to it; an MQTT
    /// 3.1/3.1.1 client, which cannot be told, is refused with CONNACK 2 "identifier rejected", as Mosquitto does.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "18:12:15")]
    public TimeSpan MaxKeepAlive { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// MQTT 5 Topic Alias Maximum told to clients in CONNACK (Mosquitto's <c>max_topic_alias</c>): the highest topic alias a
    /// client may use; one of 0 or above it disconnects the client with 0x94 "topic alias invalid". Zero: no aliases.
    /// </summary>
    [Range(0, 65_535)]
    public int TopicAliasMaximum { get; set; } = 10;

    /// <summary>
    /// Send topic aliases to MQTT 5 clients whose CONNECT sets a Topic Alias Maximum (up to it). Off by default: libmosquitto
    /// (mosquitto_sub -V 5), MQTTnet's client and paho-mqtt let users set that property, yet cannot read an alias they receive;
    /// MQTT.js and Eclipse Paho's C and Java clients can.
    /// </summary>
    public bool SendTopicAliases { get; set; }

    /// <summary>
    /// MQTT 5 Receive Maximum told to clients in CONNACK: QoS 1/2 PUBLISHes a client may have unacknowledged by the broker at
    /// once (a QoS 2 one until PUBCOMP is sent); one more disconnects it with 0x93 "receive maximum exceeded". High by default:
    /// PUBACKs wait for the write-ahead commit, so a window keeps throughput, and MQTTnet's client does not limit itself to it.
    /// </summary>
    [Range(1, 65_535)]
    public int ReceiveMaximum { get; set; } = 1000;

    /// <summary>How long a new connection may take to send CONNECT.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Messages queued per client session (in flight, waiting, or offline); beyond it new messages are dropped and counted, like Mosquitto's max_queued_messages.</summary>
    [Range(1, 1_000_000)]
    public int MaxQueuedMessages { get; set; } = 1000;

    /// <summary>
    /// Topic filters one client's session may hold; a SUBSCRIBE to a further new one is refused in SUBACK (MQTT 5: 0x97
    /// "quota exceeded", 3.1.1: 0x80) while those already held still renew. Each costs the broker about 1.4 KB, so this
    /// bounds what one client can make it hold (a flood of 100,000 filters took 140 MB). Zero: no limit (Mosquitto's default).
    /// </summary>
    [Range(0, 10_000_000)]
    public int MaxSubscriptionsPerClient { get; set; } = 10_000;

    /// <summary>Queue QoS 0 messages for offline persistent sessions (Mosquitto's queue_qos0_messages).</summary>
    public bool QueueQos0Messages { get; set; }

    /// <summary>
    /// Longest time a disconnected persistent session is kept. MQTT 3.1.1 sessions have no expiry of their own
    /// and get this one; MQTT 5 clients asking for longer get this one in CONNACK.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan MaxSessionExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often $SYS/broker/... topics are refreshed (Mosquitto's sys_interval); zero turns them off.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan SysInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Topic prefixes only the host publishes to (the dashboard's alert notices, filled in by the host, not from
    /// configuration): a client's PUBLISH or Last Will to a topic starting with one is refused like a <c>$</c> topic,
    /// whatever its ACL. Include the trailing <c>/</c>, e.g. <c>dashboard/alerts/</c>.
    /// </summary>
    public List<string> ReservedTopicPrefixes { get; } = [];

    /// <summary>
    /// Topic prefixes whose retained messages are handed to the host first when they are replayed at start-up (filled in
    /// by the host, not from configuration): descriptions of other topics, such as Home Assistant discovery configs, so
    /// the host reads the state they describe with them whatever order the store kept.
    /// </summary>
    public List<string> ReplayFirstTopicPrefixes { get; } = [];

    /// <summary>
    /// The shortest password a broker user may be given; the host sets it (the dashboard: its own accounts' minimum,
    /// <c>Dashboard:MinPasswordLength</c>), so there is one rule for every password.
    /// </summary>
    public int MinPasswordLength { get; private set; } = 1;

    public void RequirePasswordLength(int minimum) => MinPasswordLength = Math.Max(1, minimum);

    /// <summary>
    /// When a QoS 1/2 message the broker must keep (retained, or owed to a persistent session) is written: before its
    /// PUBACK/PUBREC (the default), or every <see cref="PersistInterval"/> (faster; a crash loses up to that interval).
    /// </summary>
    public BrokerDurability Durability { get; set; } = BrokerDurability.Acknowledged;

    /// <summary>
    /// With <see cref="BrokerDurability.Periodic"/>, how often retained messages and sessions changed in memory are written;
    /// otherwise the longest a change that nobody waits for (a QoS 0 retained message, a delivery acknowledged) stays unwritten.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PersistInterval { get; set; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>What an acknowledgement from the broker promises; see the README's "After a crash".</summary>
public enum BrokerDurability
{
    /// <summary>Written to the database (SQLite's WAL) before PUBACK/PUBREC: survives the process being killed, not a power cut.</summary>
    Acknowledged,

    /// <summary>As <see cref="Acknowledged"/>, and each commit is synced to the disk (SQLite synchronous=FULL): survives a power cut, at a cost per commit.</summary>
    Synced,

    /// <summary>Written every PersistInterval, like Mosquitto's autosave: a crash loses what was acknowledged in the last interval.</summary>
    Periodic,
}
