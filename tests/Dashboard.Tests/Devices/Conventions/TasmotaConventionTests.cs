using System.Text;
using Dashboard.Devices;
using Dashboard.Devices.Conventions;
using Dashboard.Readings;

namespace Dashboard.Tests.Devices.Conventions;

/// <summary>Tasmota's topics and payloads as tasmota.github.io/docs/MQTT documents them.</summary>
public sealed class TasmotaConventionTests
{
    private static readonly DateTimeOffset Arrived = new(2024, 1, 1, 11, 0, 5, TimeSpan.Zero);
    private readonly TasmotaConvention _convention = new();

    private ConventionReading? Read(string topic, string payload) => _convention.Read(topic, Encoding.UTF8.GetBytes(payload), Arrived);

    private static (string Metric, double Value, string? Unit)[] Values(ConventionReading? reading) =>
        [.. reading!.Payload!.Values.Select(v => (v.Metric, v.Value, v.Unit))];

    [Theory]
    [InlineData("tele/tasmota_switch/LWT", "tasmota_switch")]
    [InlineData("tasmota_switch/tele/LWT", "tasmota_switch")]
    [InlineData("tasmota/bedroom/lamp/tele/LWT", "tasmota/bedroom/lamp")]
    [InlineData("tele/home/cellar/lamp/LWT", "home/cellar/lamp")]
    public void The_will_is_the_presence_of_the_device_named_by_its_topic_in_either_order(string topic, string device)
    {
        Assert.Equal(new PresenceReport(device, true), Read(topic, "Online")!.Presence);
        Assert.Equal(new PresenceReport(device, false), Read(topic, "Offline")!.Presence);
    }

    [Fact]
    public void A_sensor_report_names_each_field_after_its_sensor_with_the_temperature_unit_it_declares()
    {
        var reading = Read("tele/kitchen/SENSOR", """{"Time":"2024-01-01T12:00:00","AM2301":{"Temperature":21.3,"Humidity":45.2,"DewPoint":8.9},"TempUnit":"C"}""");

        Assert.Equal("kitchen", reading!.DeviceId);
        Assert.Equal([("AM2301 Temperature", 21.3, "°C"), ("AM2301 Humidity", 45.2, "%"), ("AM2301 DewPoint", 8.9, "°C")], Values(reading));
        Assert.Null(reading.Payload!.Time); // local time of an unknown zone: the arrival time is used
        Assert.Null(reading.Presence);
    }

    [Fact]
    public void The_documented_sensor_example_without_a_unit_field_has_no_temperature_unit()
    {
        var reading = Read("tele/tasmota/SENSOR", """{"Time":"2017-02-16T10:13:52", "DS18B20":{"Temperature":20.6}}""");

        Assert.Equal([("DS18B20 Temperature", 20.6, null)], Values(reading));
    }

    [Fact]
    public void Fahrenheit_pressure_light_and_gas_sensors_take_their_documented_units()
    {
        var reading = Read("tele/wemos1/SENSOR",
            """{"Time":"2025-05-09T11:41:50","BME280":{"Temperature":70.5,"Humidity":33.7,"Pressure":1021.9},"BH1750":{"Illuminance":12},"MHZ19B":{"Model":"B","CarbonDioxide":424,"Temperature":66.2},"SDS0X1":{"PM2.5":3.1,"PM10":5.2},"PressureUnit":"hPa","TempUnit":"F"}""");

        Assert.Equal(
            [("BME280 Temperature", 70.5, "°F"), ("BME280 Humidity", 33.7, "%"), ("BME280 Pressure", 1021.9, "hPa"), ("BH1750 Illuminance", 12, "lx"),
             ("MHZ19B CarbonDioxide", 424, "ppm"), ("MHZ19B Temperature", 66.2, "°F"), ("SDS0X1 PM2.5", 3.1, "µg/m³"), ("SDS0X1 PM10", 5.2, "µg/m³")],
            Values(reading));
    }

    [Fact]
    public void Distance_sensors_and_zigbee_devices_take_their_documented_units()
    {
        // SR04 reports centimetres, the VL53L0X millimetres (tasmota.github.io/docs: HC-SR04, VL53L0X); Zigbee's are °C.
        Assert.Equal([("SR04 Distance", 17.4, "cm")], Values(Read("tele/tank/SENSOR", """{"Time":"2021-01-10T12:00:00","SR04":{"Distance":17.4}}""")));
        Assert.Equal([("VL53L0X Distance", 123, "mm")], Values(Read("tele/desk/SENSOR", """{"Time":"2021-01-10T12:00:00","VL53L0X":{"Distance":123}}""")));
        Assert.Equal([("ZbReceived 0x8F20 Temperature", 21.5, "°C"), ("ZbReceived 0x8F20 Humidity", 45.1, "%"), ("ZbReceived 0x8F20 LinkQuality", 66, "lqi")],
            Values(Read("tele/zbbridge/SENSOR", """{"ZbReceived":{"0x8F20":{"Device":"0x8F20","Temperature":21.5,"Humidity":45.1,"Endpoint":1,"LinkQuality":66}}}""")));
    }

    [Fact]
    public void A_power_meter_reports_watts_volts_amps_and_kilowatt_hours()
    {
        var reading = Read("tele/sonoffpow/SENSOR",
            """{"Time":"2019-11-03T19:34:47","ENERGY":{"TotalStartTime":"2018-11-20T17:46:26","Total":93.922,"Yesterday":0.412,"Today":0.267,"Period":0,"Power":12,"ApparentPower":14,"ReactivePower":3,"Factor":0.85,"Voltage":231,"Current":0.061}}""");

        Assert.Equal(
            [("ENERGY Total", 93.922, "kWh"), ("ENERGY Yesterday", 0.412, "kWh"), ("ENERGY Today", 0.267, "kWh"), ("ENERGY Period", 0, "Wh"),
             ("ENERGY Power", 12, "W"), ("ENERGY ApparentPower", 14, "VA"), ("ENERGY ReactivePower", 3, "var"), ("ENERGY Factor", 0.85, null),
             ("ENERGY Voltage", 231, "V"), ("ENERGY Current", 0.061, "A")],
            Values(reading));
    }

    [Fact]
    public void Three_phase_values_are_numbered_and_switches_are_1_or_0()
    {
        var reading = Read("tele/meter/SENSOR", """{"Time":"2020-08-07T19:49:49","Switch1":"ON","ENERGY":{"Power":[490,0,12]}}""");

        Assert.Equal([("Switch1", 1, null), ("ENERGY Power 0", 490, "W"), ("ENERGY Power 1", 0, "W"), ("ENERGY Power 2", 12, "W")], Values(reading));
    }

    [Fact]
    public void A_time_with_its_zone_is_the_readings_time()
    {
        var reading = Read("tele/kitchen/SENSOR", """{"Time":"2024-01-01T12:00:00+01:00","DS18B20":{"Temperature":20.6},"TempUnit":"C"}""");

        Assert.Equal(new DateTimeOffset(2024, 1, 1, 11, 0, 0, TimeSpan.Zero), reading!.Payload!.Time);
    }

    [Fact]
    public void The_state_report_gives_the_relay_dimmer_wifi_and_uptime()
    {
        var reading = Read("tele/tasmota_switch/STATE",
            """{"Time":"2022-04-08T14:36:13","Uptime":"0T02:10:09","UptimeSec":7809,"Heap":26,"SleepMode":"Dynamic","Sleep":50,"LoadAvg":19,"MqttCount":1,"POWER":"OFF","Dimmer":40,"Wifi":{"AP":1,"SSId":"B535_154B","BSSId":"E2:C1:D8:4B:15:91","Channel":11,"Mode":"11n","RSSI":94,"Signal":-53,"LinkCount":1,"Downtime":"0T00:00:03"}}""");

        Assert.Equal([("Uptime", 7809, "s"), ("POWER", 0, null), ("Dimmer", 40, "%"), ("Wifi RSSI", 94, "%"), ("Wifi Signal", -53, "dBm")], Values(reading));
        Assert.Equal("OFF", reading!.Payload!.State);
    }

    [Fact]
    public void A_relay_change_is_a_state_and_its_result_echo_and_the_command_are_not_readings()
    {
        var power = Read("stat/tasmota_switch/POWER", "ON");
        Assert.Equal(("tasmota_switch", "ON"), (power!.DeviceId, power.Payload!.State));
        Assert.Equal([("POWER", 1, null)], Values(power));
        Assert.Equal([("POWER2", 0, null)], Values(Read("tasmota_switch/stat/POWER2", "OFF")));
        // The relay's series is the one tele/…/STATE reports every TelePeriod, whatever the FullTopic.
        Assert.Equal("tele/tasmota_switch/STATE", power.SeriesTopic);
        Assert.Equal("tasmota_switch/tele/STATE", Read("tasmota_switch/stat/POWER2", "OFF")!.SeriesTopic);
        Assert.Equal("home/tele/plug1/STATE", Read("home/stat/plug1/POWER", "OFF")!.SeriesTopic);

        foreach (var (topic, payload) in new[]
        {
            ("cmnd/tasmota_switch/Power", ""), ("cmnd/tasmota_switch/Power", "TOGGLE"), ("tasmota_switch/cmnd/POWER", "ON"),
            ("stat/tasmota_switch/RESULT", """{"POWER":"ON"}"""), ("stat/tasmota_switch/STATUS8", """{"StatusSNS":{"Time":"2021-05-03T12:53:45"}}"""),
            ("tele/tasmota_switch/INFO1", """{"Module":"Sonoff Basic","Version":"9.1.0"}"""), ("tele/tasmota_switch/LWT", "gone"),
            ("tasmota/discovery/DC4F2289EB2E/config", """{"ip":"192.168.1.2","dn":"Tasmota","ty":0}"""),
        })
        {
            var reading = Read(topic, payload);
            Assert.NotNull(reading);
            Assert.Empty(reading.Payload!.Values);
            Assert.Null(reading.Presence);
        }

        Assert.Equal("tasmota_switch", Read("cmnd/tasmota_switch/Power", "TOGGLE")!.DeviceId);
    }

    [Theory]
    [InlineData("home/livingroom/temperature")]
    [InlineData("home/stat/total")]
    [InlineData("home/sensor1/status")]
    [InlineData("tele/SENSOR")]
    [InlineData("tele//SENSOR")]
    [InlineData("statistics/kitchen/SENSOR")]
    public void Topics_that_are_not_tasmotas_are_left_to_the_generic_rules(string topic) =>
        Assert.Null(Read(topic, "21.5"));

    [Theory]
    [InlineData("{\"AM2301\":{\"Temperature\":")]
    [InlineData("{\"AM2301\":{\"Temperature\":21}} trailing")]
    [InlineData("[1,2,3]")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("{\"a\":\"\\uD800\"}")]
    public void Malformed_reports_are_not_telemetry_and_never_throw(string payload)
    {
        foreach (var report in new[] { "SENSOR", "STATE", "LWT" })
        {
            var reading = Read($"tele/kitchen/{report}", payload);
            Assert.Equal("kitchen", reading!.DeviceId);
            Assert.Empty(reading.Payload!.Values);
        }
    }

    [Fact]
    public void Binary_deep_and_huge_payloads_never_throw()
    {
        var random = new byte[4096];
        new Random(7).NextBytes(random);
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200);
        var huge = "{\"S\":{" + string.Join(',', Enumerable.Range(0, 20_000).Select(i => $"\"T{i}\":{i}")) + "}}";

        Assert.Empty(_convention.Read("tele/kitchen/SENSOR", random, Arrived)!.Payload!.Values);
        Assert.Empty(_convention.Read("stat/kitchen/POWER", random, Arrived)!.Payload!.Values);
        Assert.Empty(Read("tele/kitchen/SENSOR", deep)!.Payload!.Values);
        Assert.Empty(Read("tele/kitchen/SENSOR", huge)!.Payload!.Values);
        var many = "{\"S\":{" + string.Join(',', Enumerable.Range(0, 1000).Select(i => $"\"T{i}\":{i}")) + "}}";
        Assert.Equal(FirmwareJson.MaxLeaves, Read("tele/kitchen/SENSOR", many)!.Payload!.Values.Count);
    }
}
