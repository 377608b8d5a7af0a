using System.Text;
using Dashboard.Devices;
using Dashboard.Devices.Conventions;
using Microsoft.Extensions.Logging.Abstractions;
using static Dashboard.Tests.Devices.Conventions.SparkplugPayloads;
using DataType = Dashboard.Tests.Devices.Conventions.SparkplugType;

namespace Dashboard.Tests.Devices.Conventions;

/// <summary>
/// Sparkplug B with the topics and payloads of the Eclipse Sparkplug 3.0 specification ("Payloads": NBIRTH, DBIRTH, NDATA,
/// DDATA, NCMD, DCMD, NDEATH examples of the "Sparkplug B Devices" group's "Raspberry Pi" edge node and its "Pibrella"),
/// with the aliases 3.0 requires in births and DATA by alias only.
/// </summary>
public sealed class SparkplugConventionTests
{
    private const string Node = "Sparkplug B Devices/Raspberry Pi";
    private const string Pibrella = "Sparkplug B Devices/Raspberry Pi/Pibrella";
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
    private readonly SparkplugConvention _convention = new(NullLogger<SparkplugConvention>.Instance);

    /// <summary>The edge node offline, and with it every device behind it.</summary>
    private static readonly ConventionReading NodeDeath = ConventionReading.GatewayPresence(Node, false, Node + "/", DeviceStatus.Offline);

    private ConventionReading? Read(string topic, byte[] payload) => _convention.Read(topic, payload, Now);

    private static Dictionary<string, (double Value, string? Unit)> Metrics(ConventionReading? reading) =>
        reading!.Payload!.Values.ToDictionary(v => v.Metric, v => (Math.Round(v.Value, 4), v.Unit));

    private static void AssertNotTelemetry(string deviceId, ConventionReading? reading)
    {
        Assert.Equal(deviceId, reading!.DeviceId);
        Assert.Null(reading.Presence);
        Assert.Empty(reading.Payload!.Values);
    }

    // The specification's NBIRTH, with aliases and a unit on the supply voltage.
    private static byte[] NodeBirth(ulong bdSeq = 0, ulong voltageAlias = 10) => Payload(ExampleTime, 0,
        new Metric("bdSeq", 1, DataType.Int64, bdSeq),
        new Metric("Node Control/Reboot", 2, DataType.Boolean, false),
        new Metric("Node Control/Rebirth", 3, DataType.Boolean, false),
        new Metric("Node Control/Next Server", 4, DataType.Boolean, false),
        new Metric("Node Control/Scan Rate", 5, DataType.Int64, 3000),
        new Metric("Properties/Hardware Make", 6, DataType.String, "Raspberry Pi"),
        new Metric("Properties/Hardware Model", 7, DataType.String, "Pi 3 Model B"),
        new Metric("Properties/OS", 8, DataType.String, "Raspbian"),
        new Metric("Properties/OS Version", 9, DataType.String, "Jessie with PIXEL/11.01.2017"),
        new Metric("Supply Voltage", voltageAlias, DataType.Float, 12.1f, EngUnit: "V"));

    private static byte[] DeviceBirth() => Payload(ExampleTime, 1,
        new Metric("Inputs/A", 11, DataType.Boolean, false),
        new Metric("Inputs/B", 12, DataType.Boolean, false),
        new Metric("Inputs/C", 13, DataType.Boolean, false),
        new Metric("Inputs/D", 14, DataType.Boolean, false),
        new Metric("Inputs/Button", 15, DataType.Boolean, false),
        new Metric("Outputs/E", 16, DataType.Boolean, false),
        new Metric("Outputs/LEDs/Green", 17, DataType.Boolean, false),
        new Metric("Properties/Hardware Make", 18, DataType.String, "Pibrella"),
        new Metric("Temperature", 19, DataType.Double, 21.5, EngUnit: "degC"));

    private static byte[] Death(ulong bdSeq) => Payload(ExampleTime, null, new Metric("bdSeq", null, DataType.Int64, bdSeq));

    [Fact]
    public void An_nbirth_brings_the_edge_node_online_with_its_numeric_metrics_named_and_with_their_engineering_units()
    {
        var reading = Read("spBv1.0/Sparkplug B Devices/NBIRTH/Raspberry Pi", NodeBirth());

        Assert.Equal(Node, reading!.DeviceId);
        Assert.Equal(new PresenceReport(Node, true), reading.Presence);
        // bdSeq and Node Control/* are the session's bookkeeping, Properties/* strings: neither is a reading.
        Assert.Equal(new() { ["Supply Voltage"] = (12.1, "V") }, Metrics(reading));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds((long)ExampleTime), reading.Payload!.Time);
    }

    [Fact]
    public void An_ndata_by_alias_only_is_named_and_given_its_unit_by_the_birth()
    {
        Read("spBv1.0/Sparkplug B Devices/NBIRTH/Raspberry Pi", NodeBirth());

        var reading = Read("spBv1.0/Sparkplug B Devices/NDATA/Raspberry Pi", Payload(ExampleTime + 1000, 2, new Metric(null, 10, DataType.Float, 12.3f)));

        Assert.Equal(Node, reading!.DeviceId);
        Assert.Null(reading.Presence);
        Assert.Equal(new() { ["Supply Voltage"] = (12.3, "V") }, Metrics(reading));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds((long)ExampleTime + 1000), reading.Payload!.Time);
    }

    [Fact]
    public void A_dbirth_brings_the_device_online_and_its_ddata_by_alias_updates_its_inputs_as_one_and_zero()
    {
        Read("spBv1.0/Sparkplug B Devices/NBIRTH/Raspberry Pi", NodeBirth());

        var birth = Read("spBv1.0/Sparkplug B Devices/DBIRTH/Raspberry Pi/Pibrella", DeviceBirth());
        var data = Read("spBv1.0/Sparkplug B Devices/DDATA/Raspberry Pi/Pibrella", Payload(ExampleTime, 2,
            new Metric(null, 11, DataType.Boolean, true), new Metric(null, 13, DataType.Boolean, true), new Metric(null, 19, DataType.Double, 22.25)));

        Assert.Equal(Pibrella, birth!.DeviceId);
        Assert.Equal(new PresenceReport(Pibrella, true), birth.Presence);
        Assert.Equal(0, Metrics(birth)["Outputs/LEDs/Green"].Value);
        Assert.Equal((21.5, "°C"), Metrics(birth)["Temperature"]);
        Assert.Equal(8, Metrics(birth).Count);
        Assert.Equal(Pibrella, data!.DeviceId);
        Assert.Equal(new()
        {
            ["Inputs/A"] = (1, null),
            ["Inputs/C"] = (1, null),
            ["Temperature"] = (22.25, "°C"),
        }, Metrics(data));
    }

    [Fact]
    public void Data_with_names_instead_of_aliases_is_read_as_well()
    {
        Read("spBv1.0/Sparkplug B Devices/NBIRTH/Raspberry Pi", NodeBirth());

        var reading = Read("spBv1.0/Sparkplug B Devices/NDATA/Raspberry Pi", Payload(ExampleTime, 2, new Metric("Supply Voltage", null, DataType.Float, 12.3f)));

        Assert.Equal(new() { ["Supply Voltage"] = (12.3, "V") }, Metrics(reading));
    }

    [Fact]
    public void An_alias_without_a_birth_is_not_guessed()
    {
        var reading = Read("spBv1.0/Sparkplug B Devices/DDATA/Raspberry Pi/Pibrella", Payload(ExampleTime, 2, new Metric(null, 11, DataType.Boolean, true)));

        AssertNotTelemetry(Pibrella, reading);
    }

    [Fact]
    public void A_rebirth_replaces_the_aliases_of_the_earlier_session()
    {
        Read("spBv1.0/Sparkplug B Devices/NBIRTH/Raspberry Pi", NodeBirth(bdSeq: 0, voltageAlias: 10));
        Read("spBv1.0/Sparkplug B Devices/DBIRTH/Raspberry Pi/Pibrella", DeviceBirth());
        Read("spBv1.0/Sparkplug B Devices/NBIRTH/Raspberry Pi", NodeBirth(bdSeq: 1, voltageAlias: 42));

        Assert.Equal(new() { ["Supply Voltage"] = (12.3, "V") },
            Metrics(Read("spBv1.0/Sparkplug B Devices/NDATA/Raspberry Pi", Payload(ExampleTime, 1, new Metric(null, 42, DataType.Float, 12.3f)))));
        Assert.Empty(Metrics(Read("spBv1.0/Sparkplug B Devices/NDATA/Raspberry Pi", Payload(ExampleTime, 2, new Metric(null, 10, DataType.Float, 12.3f)))));
        // The devices' births belonged to the earlier session too: until the DBIRTH that follows, their aliases mean nothing.
        Assert.Empty(Metrics(Read("spBv1.0/Sparkplug B Devices/DDATA/Raspberry Pi/Pibrella", Payload(ExampleTime, 3, new Metric(null, 11, DataType.Boolean, true)))));
    }

    [Fact]
    public void An_ndeath_with_the_bdseq_of_the_current_birth_takes_the_edge_node_offline()
    {
        Read("spBv1.0/Sparkplug B Devices/NBIRTH/Raspberry Pi", NodeBirth(bdSeq: 3));

        Assert.Equal(NodeDeath, Read("spBv1.0/Sparkplug B Devices/NDEATH/Raspberry Pi", Death(3)));
    }

    [Fact]
    public void A_late_ndeath_of_an_earlier_session_is_ignored()
    {
        // Session 3 ends, session 4 is born, and only then does the broker deliver session 3's will.
        Read("spBv1.0/Sparkplug B Devices/NBIRTH/Raspberry Pi", NodeBirth(bdSeq: 3));
        Read("spBv1.0/Sparkplug B Devices/NBIRTH/Raspberry Pi", NodeBirth(bdSeq: 4));

        AssertNotTelemetry(Node, Read("spBv1.0/Sparkplug B Devices/NDEATH/Raspberry Pi", Death(3)));
        Assert.Equal(NodeDeath, Read("spBv1.0/Sparkplug B Devices/NDEATH/Raspberry Pi", Death(4)));
    }

    [Fact]
    public void An_ndeath_of_a_node_whose_birth_was_not_seen_takes_it_offline()
    {
        Assert.Equal(NodeDeath, Read("spBv1.0/Sparkplug B Devices/NDEATH/Raspberry Pi", Death(7)));
    }

    [Fact]
    public void A_ddeath_takes_the_device_offline()
    {
        Read("spBv1.0/Sparkplug B Devices/NBIRTH/Raspberry Pi", NodeBirth());
        Read("spBv1.0/Sparkplug B Devices/DBIRTH/Raspberry Pi/Pibrella", DeviceBirth());

        Assert.Equal(ConventionReading.PresenceOf(Pibrella, false),
            Read("spBv1.0/Sparkplug B Devices/DDEATH/Raspberry Pi/Pibrella", Payload(ExampleTime, 5)));
    }

    [Fact]
    public void Commands_and_a_host_applications_state_are_not_telemetry()
    {
        Read("spBv1.0/Sparkplug B Devices/NBIRTH/Raspberry Pi", NodeBirth());

        AssertNotTelemetry(Node, Read("spBv1.0/Sparkplug B Devices/NCMD/Raspberry Pi",
            Payload(ExampleTime, null, new Metric("Node Control/Rebirth", null, DataType.Boolean, true))));
        AssertNotTelemetry(Pibrella, Read("spBv1.0/Sparkplug B Devices/DCMD/Raspberry Pi/Pibrella",
            Payload(ExampleTime, null, new Metric("Outputs/LEDs/Green", null, DataType.Boolean, true), new Metric("Outputs/LEDs/Yellow", null, DataType.Boolean, true))));
        AssertNotTelemetry("spBv1.0/STATE/scada-host", Read("spBv1.0/STATE/scada-host", Encoding.UTF8.GetBytes("""{"online":true,"timestamp":1668114759262}""")));
    }

    [Fact]
    public void Signed_integers_travel_as_twos_complement_and_are_read_back_negative()
    {
        var reading = Read("spBv1.0/Plant/NBIRTH/Line 1", Payload(ExampleTime, 0,
            new Metric("bdSeq", 1, DataType.Int64, 0),
            new Metric("Int8", 2, DataType.Int8, -8),
            new Metric("Int16", 3, DataType.Int16, -16),
            new Metric("Int32", 4, DataType.Int32, -32),
            new Metric("Int32 sign-extended", 5, DataType.Int32, -33) { SignExtended = true },
            new Metric("Int64", 6, DataType.Int64, -64),
            new Metric("UInt32", 7, DataType.UInt32, 4_000_000_000u),
            new Metric("UInt64", 8, DataType.UInt64, 5_000_000_000ul)));

        Assert.Equal(new()
        {
            ["Int8"] = (-8, null),
            ["Int16"] = (-16, null),
            ["Int32"] = (-32, null),
            ["Int32 sign-extended"] = (-33, null),
            ["Int64"] = (-64, null),
            ["UInt32"] = (4_000_000_000, null),
            ["UInt64"] = (5_000_000_000, null),
        }, Metrics(reading));
        // In DATA by alias the datatype comes from the birth.
        Assert.Equal(new() { ["Int16"] = (-2, null) },
            Metrics(Read("spBv1.0/Plant/NDATA/Line 1", Payload(ExampleTime, 1, new Metric(null, 3, DataType.Int16, -2)))));
    }

    [Fact]
    public void Strings_times_bytes_nulls_and_historical_values_are_not_readings()
    {
        var reading = Read("spBv1.0/Plant/NBIRTH/Line 1", Payload(ExampleTime, 0,
            new Metric("Status", 1, DataType.String, "running"),
            new Metric("Started", 2, DataType.DateTime, ExampleTime),
            new Metric("Image", 3, DataType.Bytes, new byte[] { 1, 2, 3 }),
            new Metric("Level", 4, DataType.Double, null) { IsNull = true },
            new Metric("Flow", 5, DataType.Double, 7.5),
            new Metric("Flow", 5, DataType.Double, 6.5) { IsHistorical = true }));

        Assert.Equal(new() { ["Flow"] = (7.5, null) }, Metrics(reading));
    }

    [Fact]
    public void A_payload_time_from_a_wrong_clock_gives_way_to_the_arrival_time()
    {
        Assert.Null(Read("spBv1.0/Plant/NDATA/Line 1", Payload(12, 1, new Metric("Flow", null, DataType.Double, 1.0)))!.Payload!.Time);
        Assert.Null(Read("spBv1.0/Plant/NDATA/Line 1", Payload((ulong)Now.AddDays(2).ToUnixTimeMilliseconds(), 1, new Metric("Flow", null, DataType.Double, 1.0)))!.Payload!.Time);
        Assert.Null(Read("spBv1.0/Plant/NDATA/Line 1", Payload(null, 1, new Metric("Flow", null, DataType.Double, 1.0)))!.Payload!.Time);
        Assert.Null(Read("spBv1.0/Plant/NDATA/Line 1", Payload(ulong.MaxValue, 1, new Metric("Flow", null, DataType.Double, 1.0)))!.Payload!.Time);
    }

    [Theory]
    [InlineData("home/livingroom/temperature")]
    [InlineData("spAv1.0/Plant/NDATA/Line 1")]
    [InlineData("STATE/scada-host")]
    [InlineData("spBv1.0")]
    public void Other_topics_are_left_to_the_other_rules(string topic)
    {
        Assert.Null(Read(topic, Payload(ExampleTime, 0, new Metric("Flow", 1, DataType.Double, 1.0))));
    }

    [Theory]
    [InlineData("spBv1.0/Plant/NBIRTH", "spBv1.0/Plant/NBIRTH")]
    [InlineData("spBv1.0/Plant/NBIRTH/Line 1/Pump", "spBv1.0/Plant/NBIRTH/Line 1/Pump")]
    [InlineData("spBv1.0/Plant/DDATA/Line 1", "spBv1.0/Plant/DDATA/Line 1")]
    [InlineData("spBv1.0/Plant/NREPORT/Line 1", "spBv1.0/Plant/NREPORT/Line 1")]
    [InlineData("spBv1.0/Plant//Line 1", "spBv1.0/Plant//Line 1")]
    public void Shapes_the_specification_does_not_define_are_claimed_but_not_telemetry(string topic, string deviceId)
    {
        AssertNotTelemetry(deviceId, Read(topic, Payload(ExampleTime, 0, new Metric("Flow", 1, DataType.Double, 1.0))));
    }

    public static TheoryData<byte[]> Malformed() => new()
    {
        Array.Empty<byte>(),
        Encoding.UTF8.GetBytes("""{"timestamp":1486144502122,"metrics":[{"name":"Flow","value":1}]}"""),
        Encoding.UTF8.GetBytes("nothing but hex"),
        new byte[] { 0x12, 0x7F, 0x0A, 0x03 }, // a metric longer than the payload
        new byte[] { 0x12, 0x02, 0x0A, 0x05, 0x41 }, // a metric whose name overruns it
        new byte[] { 0x12, 0x03, 0x4A, 0x7F, 0x0A }, // properties longer than their metric
        new byte[] { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, // a varint of 11 bytes
        new byte[] { 0x00 }, // field number 0
        new byte[] { 0x0F }, // wire type 7
        new byte[] { 0x13, 0x08, 0x01 }, // a group that never ends
        Payload(ExampleTime, 0, new Metric("Flow", 1, DataType.Double, 1.0))[..^3],
        new byte[5 * 1024 * 1024],
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_empty_and_huge_payloads_are_not_telemetry(byte[] payload)
    {
        foreach (var type in new[] { "NBIRTH", "NDATA", "NDEATH" })
        {
            AssertNotTelemetry("Plant/Line 1", Read($"spBv1.0/Plant/{type}/Line 1", payload));
        }

        AssertNotTelemetry("Plant/Line 1/Pump", Read("spBv1.0/Plant/DDEATH/Line 1/Pump", payload));
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(20261202);
        var birth = NodeBirth();
        for (var i = 0; i < 5_000; i++)
        {
            var payload = i % 2 == 0 ? new byte[random.Next(1, 64)] : (byte[])birth.Clone();
            if (i % 2 == 0)
            {
                random.NextBytes(payload);
            }
            else
            {
                payload[random.Next(payload.Length)] = (byte)random.Next(256); // one corrupted byte of a real birth
            }

            var reading = Read("spBv1.0/Plant/NBIRTH/Line 1", payload);
            Assert.Equal("Plant/Line 1", reading!.DeviceId);
        }
    }

    [Fact]
    public void Births_past_the_cap_are_counted_and_their_aliases_not_remembered()
    {
        for (var i = 0; i < 10_000; i++)
        {
            Read($"spBv1.0/Plant/NBIRTH/Node {i}", Payload(ExampleTime, 0, new Metric("bdSeq", 1, DataType.Int64, 0), new Metric("Flow", 2, DataType.Double, 1.0)));
        }

        Assert.Equal(0, _convention.MetricsDropped);
        var past = Read("spBv1.0/Plant/NBIRTH/One more", Payload(ExampleTime, 0, new Metric("bdSeq", 1, DataType.Int64, 0), new Metric("Flow", 2, DataType.Double, 1.0)));

        Assert.Equal(new() { ["Flow"] = (1, null) }, Metrics(past)); // a birth names its metrics itself
        Assert.Equal(2, _convention.MetricsDropped);
        Assert.Empty(Metrics(Read("spBv1.0/Plant/NDATA/One more", Payload(ExampleTime, 1, new Metric(null, 2, DataType.Double, 2.0)))));
        // A rebirth of a known node takes its own place again.
        Read("spBv1.0/Plant/NBIRTH/Node 0", Payload(ExampleTime, 0, new Metric("bdSeq", 1, DataType.Int64, 1), new Metric("Flow", 2, DataType.Double, 1.0)));
        Assert.Equal(new() { ["Flow"] = (3, null) }, Metrics(Read("spBv1.0/Plant/NDATA/Node 0", Payload(ExampleTime, 1, new Metric(null, 2, DataType.Double, 3.0)))));
    }

    [Fact]
    public void A_metrics_birth_and_its_data_are_one_series_keyed_by_the_data_topic()
    {
        var nodeBirth = Read("spBv1.0/Sparkplug B Devices/NBIRTH/Raspberry Pi", NodeBirth());
        var deviceBirth = Read("spBv1.0/Sparkplug B Devices/DBIRTH/Raspberry Pi/Pibrella", DeviceBirth());
        var nodeData = Read("spBv1.0/Sparkplug B Devices/NDATA/Raspberry Pi", Payload(ExampleTime + 1000, 2, new Metric(null, 10, DataType.Float, 12.3f)));
        var deviceData = Read("spBv1.0/Sparkplug B Devices/DDATA/Raspberry Pi/Pibrella", Payload(ExampleTime + 1000, 3, new Metric(null, 19, DataType.Double, 22.0)));

        Assert.Equal("spBv1.0/Sparkplug B Devices/NDATA/Raspberry Pi", nodeBirth!.SeriesTopic);
        Assert.Equal(nodeBirth.SeriesTopic, nodeData!.SeriesTopic);
        Assert.Equal("spBv1.0/Sparkplug B Devices/DDATA/Raspberry Pi/Pibrella", deviceBirth!.SeriesTopic);
        Assert.Equal(deviceBirth.SeriesTopic, deviceData!.SeriesTopic);
        Assert.Null(nodeData.Request); // everything was named: nothing to ask
        Assert.Null(deviceData.Request);
    }

    [Fact]
    public void Data_without_a_birth_asks_the_edge_node_for_a_rebirth_once_per_interval()
    {
        var first = Read("spBv1.0/Sparkplug B Devices/DDATA/Raspberry Pi/Pibrella", Payload(ExampleTime, 3, new Metric(null, 19, DataType.Double, 22.0)));
        var again = Read("spBv1.0/Sparkplug B Devices/NDATA/Raspberry Pi", Payload(ExampleTime, 4, new Metric(null, 10, DataType.Float, 12.3f)));
        var later = _convention.Read("spBv1.0/Sparkplug B Devices/NDATA/Raspberry Pi", Payload(ExampleTime, 5, new Metric(null, 10, DataType.Float, 12.3f)),
            Now.AddMinutes(1));

        Assert.Equal("spBv1.0/Sparkplug B Devices/NCMD/Raspberry Pi", first!.Request!.Topic);
        Assert.Equal([("Node Control/Rebirth", true)], RebirthMetrics(first.Request.Payload));
        Assert.Null(again!.Request); // the same node, within the interval
        Assert.NotNull(later!.Request);
    }

    [Fact]
    public void An_alias_its_birth_did_not_name_asks_for_a_rebirth_and_rebirth_requests_can_be_turned_off()
    {
        Read("spBv1.0/Sparkplug B Devices/NBIRTH/Raspberry Pi", NodeBirth());
        var unknownAlias = Read("spBv1.0/Sparkplug B Devices/NDATA/Raspberry Pi", Payload(ExampleTime, 1, new Metric(null, 99, DataType.Float, 1f)));
        var off = new SparkplugConvention(NullLogger<SparkplugConvention>.Instance,
            Microsoft.Extensions.Options.Options.Create(new DevicesOptions { SparkplugRebirth = false }));

        Assert.NotNull(unknownAlias!.Request);
        Assert.Null(off.Read("spBv1.0/Plant/NDATA/Line 1", Payload(ExampleTime, 1, new Metric(null, 2, DataType.Double, 2.0)), Now)!.Request);
    }

    /// <summary>The metrics of an NCMD, as an edge node reads them: name and Boolean value.</summary>
    private static List<(string?, bool)> RebirthMetrics(byte[] payload)
    {
        var message = SparkplugPayload.Read(payload)!;
        Assert.NotNull(message.Timestamp);
        return [.. message.Metrics.Select(m => (m.Name, m.Kind == SparkplugValueKind.Boolean && m.Bits == 1 && m.DataType == (uint)DataType.Boolean))];
    }
}
