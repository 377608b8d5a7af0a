using System.Globalization;
using System.Text;
using Dashboard.Readings;

namespace Dashboard.Tests.Readings;

public sealed class PayloadParserTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static ParsedPayload Parse(string topic, string payload) =>
        PayloadParser.Parse(topic, Encoding.UTF8.GetBytes(payload), Now);

    private static ParsedPayload Parse(string payload) => Parse("home/livingroom/temperature", payload);

    private static ParsedValue Single(ParsedPayload parsed) => Assert.Single(parsed.Values);

    private static void AssertNotAReading(ParsedPayload parsed)
    {
        Assert.Equal(PayloadKind.Unparsed, parsed.Kind);
        Assert.Empty(parsed.Values);
    }

    // Seeds: payloads the tutorials in /work/shared/seeds have users send, verbatim.

    [Fact]
    public void Seed_temperature_text_is_one_value_with_its_unit()
    {
        var parsed = Parse("home/temperature", "Temperature: 20°C");

        Assert.Equal(PayloadKind.Text, parsed.Kind);
        Assert.Equal(new ParsedValue("temperature", 20, "°C"), Single(parsed));
    }

    [Fact]
    public void Seed_random_temperature_text_on_sensor_temp_is_metric_temp()
    {
        var parsed = Parse("sensor/temp", "Temperature: 27.43°C");

        Assert.Equal(new ParsedValue("temp", 27.43, "°C"), Single(parsed));
    }

    [Theory]
    [InlineData("home/living-room/temperature", "23.5", "temperature", 23.5)]
    [InlineData("sensor/data", "25.5", "data", 25.5)]
    [InlineData("home/temperature", "23.50", "temperature", 23.5)]
    public void Seed_plain_numbers_are_numbers(string topic, string payload, string metric, double value)
    {
        var parsed = Parse(topic, payload);

        Assert.Equal(PayloadKind.Number, parsed.Kind);
        Assert.Equal(new ParsedValue(metric, value, null), Single(parsed));
    }

    [Fact]
    public void Seed_json_with_sensor_id_and_python_timestamp_gives_two_metrics_a_time_and_a_device_hint()
    {
        var parsed = Parse(
            "sensors/temperature/living-room",
            """{"sensor_id": "temp_01", "temperature": 21.34, "humidity": 48.1, "timestamp": 1700000000.123}""");

        Assert.Equal(PayloadKind.Json, parsed.Kind);
        Assert.Equal([new ParsedValue("temperature", 21.34, null), new ParsedValue("humidity", 48.1, null)], parsed.Values);
        Assert.Equal(DateTimeOffset.Parse("2023-11-14T22:13:20.123Z", CultureInfo.InvariantCulture), parsed.Time);
        Assert.Equal(TimeSpan.Zero, parsed.Time!.Value.Offset);
        Assert.Equal("temp_01", parsed.DeviceHint);
        Assert.Null(parsed.State);
    }

    [Fact]
    public void Seed_json_with_sensor_id_is_parsed_against_the_real_clock_too()
    {
        var parsed = PayloadParser.Parse(
            "sensors/temperature/living-room",
            """{"sensor_id": "temp_01", "temperature": 21.34, "humidity": 48.1, "timestamp": 1700000000.123}"""u8,
            DateTimeOffset.UtcNow);

        Assert.Equal(2, parsed.Values.Count);
        Assert.NotNull(parsed.Time);
    }

    [Fact]
    public void Seed_value_and_unit_object_is_one_value_named_by_the_topic()
    {
        var parsed = Parse("home/livingroom/temperature", """{"value": 23.5, "unit": "celsius"}""");

        Assert.Equal(PayloadKind.Json, parsed.Kind);
        Assert.Equal(new ParsedValue("temperature", 23.5, "°C"), Single(parsed)); // the unit word as its symbol
    }

    [Theory]
    [InlineData("home/status", "online")]
    [InlineData("home/sensor/status", "offline")]
    [InlineData("home/sensor1/status", "offline")]
    [InlineData("test/topic", "Hello MQTT!")]
    public void Seed_presence_and_greeting_payloads_are_not_readings(string topic, string payload) =>
        AssertNotAReading(Parse(topic, payload));

    // Metric names

    [Theory]
    [InlineData("home/livingroom/temperature", "temperature")]
    [InlineData("sensor/temp", "temp")]
    [InlineData("temp", "temp")]
    [InlineData("home/temp/", "temp")]
    [InlineData("a//b", "b")]
    [InlineData("", "value")]
    [InlineData("/", "value")]
    public void A_single_value_is_named_by_the_topics_last_level(string topic, string metric) =>
        Assert.Equal(metric, Single(Parse(topic, "1")).Metric);

    [Fact]
    public void A_null_topic_does_not_throw() =>
        Assert.Equal("value", Single(PayloadParser.Parse(null!, "1"u8, Now)).Metric);

    // Plain numbers

    [Theory]
    [InlineData("23.5", 23.5)]
    [InlineData("-4", -4)]
    [InlineData("+5", 5)]
    [InlineData("1e3", 1000)]
    [InlineData("1E-3", 0.001)]
    [InlineData("-2.5e+2", -250)]
    [InlineData(" 23.5\n", 23.5)]
    [InlineData("\t-0.25\r\n", -0.25)]
    [InlineData(".5", 0.5)]
    [InlineData("5.", 5)]
    [InlineData("0", 0)]
    [InlineData("1", 1)]
    [InlineData("007", 7)]
    [InlineData("1e308", 1e308)]
    [InlineData("1e-400", 0)]
    public void Plain_numbers_are_numbers(string payload, double value)
    {
        var parsed = Parse(payload);

        Assert.Equal(PayloadKind.Number, parsed.Kind);
        Assert.Equal(new ParsedValue("temperature", value, null), Single(parsed));
        Assert.Null(parsed.Time);
        Assert.Null(parsed.State);
        Assert.Null(parsed.DeviceHint);
    }

    [Theory]
    [InlineData("21.34")]
    [InlineData("48.1")]
    [InlineData("0.1")]
    [InlineData("1013.25")]
    [InlineData("-40.0001")]
    [InlineData("3.141592653589793")]
    [InlineData("1.7976931348623157E+308")]
    [InlineData("5E-324")]
    public void Numbers_round_trip_exactly(string payload)
    {
        var value = Single(Parse(payload)).Value;

        Assert.Equal(payload, value.ToString("R", CultureInfo.InvariantCulture));
        Assert.Equal(value, Single(Parse($$"""{"v":{{payload}}}""")).Value);
    }

    [Fact]
    public void Parsing_ignores_the_current_culture()
    {
        var previous = CultureInfo.CurrentCulture;
        var commaDecimal = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        commaDecimal.NumberFormat.NumberDecimalSeparator = ",";
        commaDecimal.NumberFormat.NumberGroupSeparator = ".";
        try
        {
            CultureInfo.CurrentCulture = commaDecimal;

            Assert.Equal(23.5, Single(Parse("23.5")).Value);
            Assert.Equal(1013.25, Single(Parse("1013.25 hPa")).Value);
            AssertNotAReading(Parse("23,5"));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Theory]
    [InlineData("23,5")]
    [InlineData("1,234")]
    [InlineData("1.234,5")]
    public void A_comma_is_not_a_decimal_point(string payload) => AssertNotAReading(Parse(payload));

    // Numbers with units, and labels

    [Theory]
    [InlineData("23.5°C", 23.5, "°C")]
    [InlineData("23.5 °C", 23.5, "°C")]
    [InlineData("45 %", 45, "%")]
    [InlineData("45%", 45, "%")]
    [InlineData("1013 hPa", 1013, "hPa")]
    [InlineData("3.3V", 3.3, "V")]
    [InlineData("12 kWh", 12, "kWh")]
    [InlineData("5 m/s", 5, "m/s")]
    [InlineData("12 µg/m³", 12, "µg/m³")]
    [InlineData("12 ug/m3", 12, "µg/m³")]
    [InlineData("400 ppm", 400, "ppm")]
    [InlineData("-4.5 °F", -4.5, "°F")]
    [InlineData("3.3 kΩ", 3.3, "kΩ")]
    [InlineData("21 ℃", 21, "°C")]
    [InlineData("90°", 90, "°")]
    [InlineData("1e3 W", 1000, "W")]
    [InlineData("5eV", 5, "eV")]
    [InlineData("  7 A \n", 7, "A")]
    [InlineData("5 abcdefghijklmnop", 5, "abcdefghijklmnop")]
    public void A_number_with_a_unit_keeps_its_unit(string payload, double value, string unit)
    {
        var parsed = Parse(payload);

        Assert.Equal(PayloadKind.Text, parsed.Kind);
        Assert.Equal(new ParsedValue("temperature", value, unit), Single(parsed));
    }

    [Fact]
    public void Common_units_are_shared_strings_not_new_ones() =>
        Assert.Same(Single(Parse("21°C")).Unit, Single(Parse("Temperature: 22 °C")).Unit);

    [Theory]
    [InlineData("Temperature: 23°C", 23, "°C")]
    [InlineData("Humidity = 45 %", 45, "%")]
    [InlineData("temp 21.5", 21.5, null)]
    [InlineData("Temperature:23", 23, null)]
    [InlineData("temp=-4", -4, null)]
    [InlineData("temp -4", -4, null)]
    [InlineData("CO2 400 ppm", 400, "ppm")]
    [InlineData("Sensor 2: 21.5", 21.5, null)]
    [InlineData("Température : 21.5 °C", 21.5, "°C")]
    [InlineData("Humidity (%): 45", 45, null)]
    [InlineData("Outside temperature 3.5 °C", 3.5, "°C")]
    public void A_short_label_before_the_number_is_only_a_label(string payload, double value, string? unit)
    {
        var parsed = Parse("home/garden/reading", payload);

        Assert.Equal(PayloadKind.Text, parsed.Kind);
        Assert.Equal(new ParsedValue("reading", value, unit), Single(parsed));
    }

    [Theory]
    [InlineData("error 42 on line 7")]
    [InlineData("Temperature: 23°C, Humidity: 45%")]
    [InlineData("T: 23°C H: 45%")]
    [InlineData("12:30")]
    [InlineData("1.2.3")]
    [InlineData("192.168.1.10")]
    [InlineData("2024-05-01")]
    [InlineData("2024-05-01T12:00:00Z")]
    [InlineData("0x1F")]
    [InlineData("0x2")]
    [InlineData("0X10")]
    [InlineData("23.5 °C.")]
    [InlineData("5 degrees celsius")]
    [InlineData("5 abcdefghijklmnopq")]
    [InlineData("12 34")]
    [InlineData("5 /s")]
    [InlineData("5 m/s/")]
    [InlineData("- 4")]
    [InlineData("--4")]
    [InlineData("++4")]
    [InlineData("e5")]
    [InlineData(".")]
    [InlineData("+")]
    [InlineData("this label is far too long to be a label: 5")]
    [InlineData("1: 5")]
    [InlineData(": 5")]
    [InlineData("temp: ")]
    [InlineData("temp: abc")]
    [InlineData("Hello MQTT!")]
    [InlineData("null")]
    public void Text_without_exactly_one_clear_number_is_not_a_reading(string payload) =>
        AssertNotAReading(Parse(payload));

    [Theory]
    [InlineData("NaN")]
    [InlineData("nan")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("∞")]
    [InlineData("1e999")]
    [InlineData("-1e999")]
    [InlineData("1e999 °C")]
    [InlineData("temp: 1e999")]
    [InlineData("\"NaN\"")]
    [InlineData("\"1e999\"")]
    public void Non_finite_numbers_are_not_readings(string payload) => AssertNotAReading(Parse(payload));

    // States

    [Theory]
    [InlineData("ON", 1)]
    [InlineData("OFF", 0)]
    [InlineData("on", 1)]
    [InlineData("off", 0)]
    [InlineData("On", 1)]
    [InlineData("true", 1)]
    [InlineData("false", 0)]
    [InlineData("TRUE", 1)]
    [InlineData("False", 0)]
    [InlineData("yes", 1)]
    [InlineData("NO", 0)]
    [InlineData("open", 1)]
    [InlineData("closed", 0)]
    public void State_words_are_states_with_a_chartable_value(string payload, double value)
    {
        var parsed = Parse("home/bedroom/light", payload);

        Assert.Equal(PayloadKind.State, parsed.Kind);
        Assert.Equal(payload, parsed.State);
        Assert.Equal(new ParsedValue("light", value, null), Single(parsed));
    }

    [Fact]
    public void A_state_is_the_payload_as_sent_but_trimmed()
    {
        var parsed = Parse("home/led/state", " ON \r\n");

        Assert.Equal("ON", parsed.State);
        Assert.Equal(1, Single(parsed).Value);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("0", 0)]
    public void One_and_zero_are_numbers_not_states(string payload, double value)
    {
        var parsed = Parse("home/led/state", payload);

        Assert.Equal(PayloadKind.Number, parsed.Kind);
        Assert.Null(parsed.State);
        Assert.Equal(value, Single(parsed).Value);
    }

    [Theory]
    [InlineData("online")]
    [InlineData("offline")]
    [InlineData("connected")]
    [InlineData("heating")]
    [InlineData("locked")]
    public void Presence_and_other_words_are_not_states(string payload) => AssertNotAReading(Parse("home/x/status", payload));

    // JSON scalars

    [Theory]
    [InlineData("\"23.5\"", PayloadKind.Number, 23.5, null)]
    [InlineData("\" 23.5 \"", PayloadKind.Number, 23.5, null)]
    [InlineData("\"\\u0032\\u0033\"", PayloadKind.Number, 23, null)]
    [InlineData("\"21.5 °C\"", PayloadKind.Text, 21.5, "°C")]
    [InlineData("\"Temperature: 23°C\"", PayloadKind.Text, 23, "°C")]
    public void A_json_string_is_parsed_like_its_content(string payload, PayloadKind kind, double value, string? unit)
    {
        var parsed = Parse(payload);

        Assert.Equal(kind, parsed.Kind);
        Assert.Equal(new ParsedValue("temperature", value, unit), Single(parsed));
    }

    [Fact]
    public void A_json_string_state_is_a_state()
    {
        var parsed = Parse("home/led/state", "\"ON\"");

        Assert.Equal(PayloadKind.State, parsed.Kind);
        Assert.Equal("ON", parsed.State);
        Assert.Equal(1, Single(parsed).Value);
    }

    [Fact]
    public void An_empty_json_string_is_empty() => Assert.Equal(PayloadKind.Empty, Parse("\"\"").Kind);

    [Theory]
    [InlineData("\"hello\"")]
    [InlineData("\"23.5")]
    [InlineData("\"23.5\" \"1\"")]
    [InlineData("\"a\\qb\"")]
    [InlineData("\"\\uD800\"")]
    [InlineData("\"")]
    public void Other_and_malformed_json_strings_are_not_readings(string payload) => AssertNotAReading(Parse(payload));

    // JSON objects

    [Fact]
    public void Every_numeric_field_of_an_object_is_a_metric()
    {
        var parsed = Parse("home/livingroom/climate", """{"temperature": 21.3, "humidity": 40}""");

        Assert.Equal(PayloadKind.Json, parsed.Kind);
        Assert.Equal([new ParsedValue("temperature", 21.3, null), new ParsedValue("humidity", 40, null)], parsed.Values);
    }

    [Fact]
    public void Field_names_are_kept_as_sent() =>
        Assert.Equal("Temperature", Single(Parse("""{"Temperature": 21}""")).Metric);

    [Fact]
    public void Nested_fields_are_named_by_their_path() =>
        Assert.Equal(
            [new ParsedValue("env.temp", 21, null), new ParsedValue("env.hum", 40, null), new ParsedValue("battery", 90, null)],
            Parse("""{"env":{"temp":21,"hum":40},"battery":90}""").Values);

    [Fact]
    public void Array_elements_are_named_by_their_index() =>
        Assert.Equal(
            [new ParsedValue("t.0", 1, null), new ParsedValue("t.1", 2, null), new ParsedValue("s.0.v", 3, null), new ParsedValue("s.1.v", 4, null)],
            Parse("""{"t":[1,2],"s":[{"v":3},{"v":4}]}""").Values);

    [Fact]
    public void A_top_level_array_is_named_by_the_topic_and_index()
    {
        var parsed = Parse("sensors/accel", "[0.1, -0.2, 9.81]");

        Assert.Equal(PayloadKind.Json, parsed.Kind);
        Assert.Equal(
            [new ParsedValue("accel.0", 0.1, null), new ParsedValue("accel.1", -0.2, null), new ParsedValue("accel.2", 9.81, null)],
            parsed.Values);
    }

    [Fact]
    public void A_top_level_array_of_objects_names_fields_by_topic_index_and_key() =>
        Assert.Equal(
            [new ParsedValue("probes.0.t", 1, null), new ParsedValue("probes.1.t", 2, null)],
            Parse("garden/probes", """[{"t":1},{"t":2}]""").Values);

    [Fact]
    public void Booleans_in_objects_are_one_and_zero() =>
        Assert.Equal(
            [new ParsedValue("contact", 1, null), new ParsedValue("occupancy", 0, null)],
            Parse("""{"contact":true,"occupancy":false}""").Values);

    [Fact]
    public void Numeric_strings_in_objects_are_values() =>
        Assert.Equal(
            [new ParsedValue("temperature", 21.5, null), new ParsedValue("humidity", 40, null)],
            Parse("""{"temperature":"21.5","humidity":" 40 "}""").Values);

    [Fact]
    public void Other_strings_nulls_and_strings_with_units_in_objects_are_ignored()
    {
        var parsed = Parse("""{"name":"Sensor 2","fw":"1.2.3","ip":"192.168.1.5","reading":"21.5 °C","none":null,"temp":20}""");

        Assert.Equal(new ParsedValue("temp", 20, null), Single(parsed));
    }

    [Fact]
    public void Non_finite_json_numbers_are_skipped() =>
        Assert.Equal(new ParsedValue("b", 2, null), Single(Parse("""{"a":1e999,"b":2,"c":-1e999}""")));

    [Fact]
    public void Huge_finite_json_numbers_are_kept() =>
        Assert.Equal(1e308, Single(Parse("""{"a":1e308}""")).Value);

    [Theory]
    [InlineData("""{"value": 23.5}""", 23.5, null)]
    [InlineData("""{"val": 7, "unit": "V"}""", 7, "V")]
    [InlineData("""{"unit":"°C","value":"21.5"}""", 21.5, "°C")]
    [InlineData("""{"Value": 1, "Unit": " kWh "}""", 1, "kWh")]
    [InlineData("""{"value": true}""", 1, null)]
    [InlineData("""{"value": 5, "unit": "this unit is far too long"}""", 5, null)]
    public void A_value_field_is_named_by_the_topic_and_takes_the_unit(string payload, double value, string? unit) =>
        Assert.Equal(new ParsedValue("temperature", value, unit), Single(Parse(payload)));

    [Fact]
    public void A_value_field_beside_other_fields_keeps_them_as_metrics() =>
        Assert.Equal(
            [new ParsedValue("temperature", 23.5, "°C"), new ParsedValue("battery", 90, null)],
            Parse("""{"value": 23.5, "battery": 90, "unit": "°C"}""").Values);

    [Fact]
    public void A_nested_value_field_is_an_ordinary_metric() =>
        Assert.Equal(new ParsedValue("env.value", 3, null), Single(Parse("""{"env":{"value":3,"unit":"V"}}""")));

    [Theory]
    [InlineData("""{"device_id":"esp32-kitchen","t":1}""", "esp32-kitchen")]
    [InlineData("""{"device":"x","t":1}""", "x")]
    [InlineData("""{"sensor_id":7,"t":1}""", "7")]
    [InlineData("""{"DeviceId":"A1","t":1}""", "A1")]
    [InlineData("""{"sensorId":" s1 ","t":1}""", "s1")]
    public void Device_ids_are_hints_not_metrics(string payload, string hint)
    {
        var parsed = Parse(payload);

        Assert.Equal(hint, parsed.DeviceHint);
        Assert.Equal(new ParsedValue("t", 1, null), Single(parsed));
    }

    [Fact]
    public void A_device_information_object_is_neither_hint_nor_metrics()
    {
        var parsed = Parse("""{"device":{"ieeeAddr":"0x00158d","networkAddress":12345},"temperature":21}""");

        Assert.Null(parsed.DeviceHint);
        Assert.Equal(new ParsedValue("temperature", 21, null), Single(parsed));
    }

    [Fact]
    public void Nested_device_ids_are_not_metrics_nor_the_hint()
    {
        var parsed = Parse("""{"probe":{"sensor_id":3,"t":1}}""");

        Assert.Null(parsed.DeviceHint);
        Assert.Equal(new ParsedValue("probe.t", 1, null), Single(parsed));
    }

    [Fact]
    public void A_state_field_is_the_state_and_a_chartable_value()
    {
        var parsed = Parse("zigbee2mqtt/bulb", """{"state":"ON","brightness":254}""");

        Assert.Equal(PayloadKind.Json, parsed.Kind);
        Assert.Equal("ON", parsed.State);
        Assert.Equal([new ParsedValue("state", 1, null), new ParsedValue("brightness", 254, null)], parsed.Values);
    }

    [Fact]
    public void A_status_field_that_is_not_a_state_word_is_only_the_state()
    {
        var parsed = Parse("""{"status":"heating","temp":20}""");

        Assert.Equal("heating", parsed.State);
        Assert.Equal(new ParsedValue("temp", 20, null), Single(parsed));
    }

    [Fact]
    public void An_object_with_only_a_state_is_a_state()
    {
        var parsed = Parse("home/sensor1/status", """{"status":"online"}""");

        Assert.Equal(PayloadKind.State, parsed.Kind);
        Assert.Equal("online", parsed.State);
        Assert.Empty(parsed.Values);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("""{"msg":"hello"}""")]
    [InlineData("""{"a":null,"b":[],"c":{}}""")]
    public void Objects_without_numbers_are_not_readings(string payload) => AssertNotAReading(Parse(payload));

    [Fact]
    public void An_object_without_values_still_reports_its_device_and_time()
    {
        var parsed = Parse("""{"device":"d1","ts":1700000000,"msg":"boot"}""");

        Assert.Equal(PayloadKind.Unparsed, parsed.Kind);
        Assert.Empty(parsed.Values);
        Assert.Equal("d1", parsed.DeviceHint);
        Assert.NotNull(parsed.Time);
    }

    [Fact]
    public void An_empty_key_is_named_by_the_topic() =>
        Assert.Equal("temperature", Single(Parse("""{"":5}""")).Metric);

    [Theory]
    [InlineData("""{"t":21,}""")]
    [InlineData("""{"t":21 /* from the sketch */}""")]
    [InlineData("""{"t":21,/* trailing */}""")]
    [InlineData("\uFEFF{\"t\":21}")]
    [InlineData("{\"t\":21}\0")]
    [InlineData("\r\n  {\"t\":21}  \r\n")]
    public void Hand_built_json_is_tolerated(string payload) =>
        Assert.Equal(new ParsedValue("t", 21, null), Single(Parse(payload)));

    [Fact]
    public void At_most_max_values_are_taken_and_the_time_after_them_still_counts()
    {
        var fields = string.Join(",", Enumerable.Range(0, 100).Select(i => $"\"f{i}\":{i}"));
        var parsed = Parse($"{{{fields},\"ts\":1700000000}}");

        Assert.Equal(PayloadParser.MaxValues, parsed.Values.Count);
        Assert.Equal("f0", parsed.Values[0].Metric);
        Assert.Equal("f63", parsed.Values[^1].Metric);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), parsed.Time);
    }

    [Fact]
    public void Values_are_taken_from_max_depth_nested_containers()
    {
        var parsed = Parse(Nested(PayloadParser.MaxDepth));

        Assert.Equal(new ParsedValue("a.a.a.a.a.a.a.v", 1, null), Single(parsed));
    }

    [Fact]
    public void Deeper_containers_are_skipped()
    {
        AssertNotAReading(Parse(Nested(PayloadParser.MaxDepth + 1)));

        var parsed = Parse($"{{\"t\":1,\"deep\":{Nested(PayloadParser.MaxDepth + 1)},\"u\":[[[[[[[[[[2]]]]]]]]]]}}");

        Assert.Equal(new ParsedValue("t", 1, null), Single(parsed));
    }

    [Theory]
    [InlineData(65)]
    [InlineData(10_000)]
    public void Json_nested_too_deep_is_malformed_and_does_not_throw(int depth)
    {
        AssertNotAReading(Parse(new string('[', depth) + new string(']', depth)));
        AssertNotAReading(Parse(string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth)));
        AssertNotAReading(Parse("{\"t\":1,\"d\":" + new string('[', depth) + new string(']', depth) + "}"));
    }

    [Theory]
    [InlineData("""{"a":""")]
    [InlineData("""{"a":1""")]
    [InlineData("""{"a":1}}""")]
    [InlineData("""{"a":1} x""")]
    [InlineData("""{"a":1}{"b":2}""")]
    [InlineData("""{a:1}""")]
    [InlineData("""{'a':1}""")]
    [InlineData("""{"a":NaN}""")]
    [InlineData("""{"a":Infinity}""")]
    [InlineData("""{"a":-Infinity}""")]
    [InlineData("""{"temperature": 21.5, "humidity": NaN}""")]
    [InlineData("""{"a":01}""")]
    [InlineData("""{"a":+1}""")]
    [InlineData("""{"a":.5}""")]
    [InlineData("""{"a":[1,2}""")]
    [InlineData("""[1,2""")]
    [InlineData("""[1,2]]""")]
    [InlineData("""{"a":"x}""")]
    [InlineData("""{"a":1,"b":"\q"}""")]
    [InlineData("""{"t":"\uD800"}""")]
    [InlineData("""{"t":1,"s":"\uDC00\uD800"}""")]
    [InlineData("{")]
    [InlineData("[")]
    [InlineData("}")]
    public void Malformed_json_yields_no_values(string payload) => AssertNotAReading(Parse(payload));

    // Times

    [Theory]
    [InlineData("""{"t":1,"timestamp":1700000000}""", "2023-11-14T22:13:20Z")]
    [InlineData("""{"t":1,"timestamp":1700000000.123}""", "2023-11-14T22:13:20.123Z")]
    [InlineData("""{"t":1,"ts":1700000000123}""", "2023-11-14T22:13:20.123Z")]
    [InlineData("""{"t":1,"ts":1700000000123456}""", "2023-11-14T22:13:20.123Z")]
    [InlineData("""{"t":1,"ts":1700000000123456789}""", "2023-11-14T22:13:20.123Z")]
    [InlineData("""{"t":1,"time":"1700000000"}""", "2023-11-14T22:13:20Z")]
    [InlineData("""{"t":1,"time":"2023-11-14T22:13:20Z"}""", "2023-11-14T22:13:20Z")]
    [InlineData("""{"t":1,"time":"2023-11-14T23:13:20.5+01:00"}""", "2023-11-14T22:13:20.5Z")]
    [InlineData("""{"t":1,"time":"2023-11-14 17:13:20-05:00"}""", "2023-11-14T22:13:20Z")]
    [InlineData("""{"t":1,"Time":"2023-11-14T22:13:20.123456z"}""", "2023-11-14T22:13:20.123456Z")]
    [InlineData("""{"t":1,"TS":1700000000}""", "2023-11-14T22:13:20Z")]
    [InlineData("""{"t":1,"TimeStamp":1700000000}""", "2023-11-14T22:13:20Z")]
    [InlineData("""{"t":1,"time":"garbage","ts":1700000000}""", "2023-11-14T22:13:20Z")]
    [InlineData("""{"t":1,"time":"2000-01-01T00:00:00Z"}""", "2000-01-01T00:00:00Z")]
    [InlineData("""{"t":1,"time":"2025-06-01T23:00:00Z"}""", "2025-06-01T23:00:00Z")]
    [InlineData("""{"t":1,"ts":1749000000}""", "2025-06-04T01:20:00Z")] // ahead of now: ingestion's window decides, and counts it
    [InlineData("""{"t":1,"time":"2026-06-03T00:00:00Z"}""", "2026-06-03T00:00:00Z")]
    public void A_time_field_is_the_readings_time_not_a_metric(string payload, string expected)
    {
        var parsed = Parse(payload);

        Assert.Equal(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture), parsed.Time);
        Assert.Equal(TimeSpan.Zero, parsed.Time!.Value.Offset);
        Assert.Equal(new ParsedValue("t", 1, null), Single(parsed));
    }

    [Theory]
    [InlineData("""{"t":1,"ts":0}""")]
    [InlineData("""{"t":1,"ts":-5}""")]
    [InlineData("""{"t":1,"ts":946684799}""")]
    [InlineData("""{"t":1,"ts":1e300}""")]
    [InlineData("""{"t":1,"time":"1999-12-31T23:59:59Z"}""")]
    [InlineData("""{"t":1,"time":"2125-06-03T00:00:00Z"}""")]
    [InlineData("""{"t":1,"time":"9999-12-31T23:59:59Z"}""")]
    [InlineData("""{"t":1,"time":"2024-13-45T99:00:00Z"}""")]
    [InlineData("""{"t":1,"time":"5/6/2024"}""")]
    [InlineData("""{"t":1,"time":"2023-11-14 22:13:20"}""")] // no zone: the device's local time, which nobody here knows
    [InlineData("""{"t":1,"Time":"2023-11-14T22:13:20"}""")] // Tasmota's
    [InlineData("""{"t":1,"time":"2023-11-14T22:13:20.123456"}""")] // Python's datetime.now().isoformat()
    [InlineData("""{"t":1,"time":"yesterday"}""")]
    [InlineData("""{"t":1,"time":"12:30"}""")]
    [InlineData("""{"t":1,"time":""}""")]
    [InlineData("""{"t":1,"time":true}""")]
    [InlineData("""{"t":1,"time":null}""")]
    [InlineData("""{"t":1,"time":{"sec":1700000000}}""")]
    [InlineData("""{"t":1,"time":[1700000000]}""")]
    public void Absurd_or_unreadable_times_are_no_time_and_still_not_metrics(string payload)
    {
        var parsed = Parse(payload);

        Assert.Null(parsed.Time);
        Assert.Equal(new ParsedValue("t", 1, null), Single(parsed));
    }

    [Fact]
    public void Nested_time_fields_are_not_metrics_nor_the_time()
    {
        var parsed = Parse("""{"env":{"time":1700000000,"t":1}}""");

        Assert.Null(parsed.Time);
        Assert.Equal(new ParsedValue("env.t", 1, null), Single(parsed));
    }

    // Garbage

    [Fact]
    public void An_empty_payload_is_empty()
    {
        var parsed = PayloadParser.Parse("home/x", [], Now);

        Assert.Equal(PayloadKind.Empty, parsed.Kind);
        Assert.Empty(parsed.Values);
    }

    [Theory]
    [InlineData(" ")]
    [InlineData(" \r\n\t")]
    [InlineData("\0\0")]
    public void Only_whitespace_is_empty(string payload) => Assert.Equal(PayloadKind.Empty, Parse(payload).Kind);

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x00, 0x01 })]
    [InlineData(new byte[] { 0xC3, 0x28 })]
    [InlineData(new byte[] { 0x32, 0x33, 0xB0, 0x43 })] // 23°C in Latin-1
    [InlineData(new byte[] { 0x32, 0x33, 0x01 })]
    [InlineData(new byte[] { 0x32, 0x00, 0x33 })]
    [InlineData(new byte[] { 0x1B, 0x5B, 0x33, 0x31, 0x6D, 0x32, 0x33 })] // ANSI colour, then 23
    [InlineData(new byte[] { 0x7B, 0x7D, 0x7F })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // an encoded surrogate is not UTF-8
    public void Binary_payloads_are_not_readings(byte[] payload) => AssertNotAReading(PayloadParser.Parse("home/x", payload, Now));

    [Fact]
    public void A_c_string_terminator_is_ignored() =>
        Assert.Equal(23.5, Single(PayloadParser.Parse("home/t", "23.5\0\0\0"u8, Now)).Value);

    [Fact]
    public void A_byte_order_mark_is_ignored() =>
        Assert.Equal(23.5, Single(PayloadParser.Parse("home/t", "\uFEFF23.5"u8, Now)).Value);

    [Fact]
    public void Payloads_larger_than_the_limit_are_not_looked_at()
    {
        var digits = new byte[PayloadParser.MaxParsedBytes + 1];
        digits.AsSpan().Fill((byte)'1');

        AssertNotAReading(PayloadParser.Parse("home/x", digits, Now));
    }

    [Fact]
    public void A_payload_of_exactly_the_limit_is_parsed()
    {
        var head = "{\"t\":1,\"pad\":\"";
        var json = head + new string('x', PayloadParser.MaxParsedBytes - head.Length - 2) + "\"}";
        Assert.Equal(PayloadParser.MaxParsedBytes, Encoding.UTF8.GetByteCount(json));

        Assert.Equal(new ParsedValue("t", 1, null), Single(Parse(json)));
    }

    [Fact]
    public void Long_text_is_not_a_reading_and_does_not_throw()
    {
        AssertNotAReading(Parse(new string('a', 60_000) + " 5"));
        AssertNotAReading(Parse("temp: " + new string('9', 60_000) + "x"));
        AssertNotAReading(Parse(new string('9', 60_000))); // overflows to infinity
    }

    // Independence of results

    [Fact]
    public void A_result_is_not_changed_by_later_parses()
    {
        var first = Parse("""{"a":1,"b":2}""");
        var firstValues = first.Values.ToArray();

        Parse("""{"c":3,"d":4,"e":5}""");
        Parse("{\"x\":");

        Assert.Equal(firstValues, first.Values);
    }

    [Fact]
    public void Parsing_on_many_threads_at_once_gives_each_its_own_values()
    {
        var failures = 0;
        Parallel.For(0, 2_000, i =>
        {
            var parsed = Parse($"{{\"a\":{i},\"b\":{{\"c\":{i + 1}}}}}");
            if (parsed.Values.Count != 2 || parsed.Values[0] != new ParsedValue("a", i, null)
                || parsed.Values[1] != new ParsedValue("b.c", i + 1, null))
            {
                Interlocked.Increment(ref failures);
            }
        });

        Assert.Equal(0, failures);
    }

    // Fuzzing: nothing throws, and everything that comes out is sane.

    private static readonly string[] ValidPayloads =
    [
        "23.5", "-4", "1e3", " 23.5\n", "+5", "23.5°C", "23.5 °C", "45 %", "1013 hPa", "3.3V", "12 µg/m³",
        "Temperature: 20°C", "Humidity = 45 %", "temp 21.5", "ON", "off", "true", "\"23.5\"", "\"ON\"",
        """{"sensor_id": "temp_01", "temperature": 21.34, "humidity": 48.1, "timestamp": 1700000000.123}""",
        """{"value": 23.5, "unit": "celsius"}""",
        """{"env":{"temp":21,"hum":[40,41]},"ok":true,"s":"21.5","state":"ON","time":"2023-11-14T22:13:20Z"}""",
        """[1,[2,[3,{"a":4}]],"5"]""",
        """{"device":{"id":1},"device_id":"x","val":"7","unit":"V","ts":1700000000123}""",
        "online",
    ];

    [Fact]
    public void Random_bytes_never_throw_and_give_only_finite_values()
    {
        var random = new Random(20240501);
        for (var i = 0; i < 10_000; i++)
        {
            var payload = new byte[random.Next(0, 200)];
            random.NextBytes(payload);

            AssertSane(payload);
        }
    }

    [Fact]
    public void Mutated_valid_payloads_never_throw_and_give_only_finite_values()
    {
        var random = new Random(4242);
        for (var i = 0; i < 10_000; i++)
        {
            var payload = Mutate(random, Encoding.UTF8.GetBytes(ValidPayloads[random.Next(ValidPayloads.Length)]));

            AssertSane(payload);
        }
    }

    [Fact]
    public void Random_json_like_text_never_throws_and_gives_only_finite_values()
    {
        const string alphabet = "{}[]{}[]\"\"\"::,,,..--++eE0123456789 tfnrueals\\u/*aAzZ°%";
        var random = new Random(777);
        for (var i = 0; i < 10_000; i++)
        {
            var chars = new char[random.Next(1, 80)];
            for (var c = 0; c < chars.Length; c++)
            {
                chars[c] = alphabet[random.Next(alphabet.Length)];
            }

            AssertSane(Encoding.UTF8.GetBytes(chars));
        }
    }

    private static byte[] Mutate(Random random, byte[] valid)
    {
        ReadOnlySpan<byte> interesting = "{}[]\":,.-+eE0123456789 \0\\"u8;
        var bytes = new List<byte>(valid);
        var edits = random.Next(1, 5);
        for (var e = 0; e < edits; e++)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes.Insert(at, interesting[random.Next(interesting.Length)]);
                    break;
                case 2 when bytes.Count > 0:
                    bytes.RemoveAt(at);
                    break;
                case 3:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default:
                    var length = Math.Min(bytes.Count - at, random.Next(1, 8));
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
            }
        }

        return [.. bytes];
    }

    private static void AssertSane(byte[] payload)
    {
        var parsed = PayloadParser.Parse("fuzz/topic", payload, Now);

        Assert.NotNull(parsed.Values);
        Assert.True(parsed.Values.Count <= PayloadParser.MaxValues);
        foreach (var value in parsed.Values)
        {
            Assert.True(double.IsFinite(value.Value), $"{value} from {Convert.ToHexString(payload)}");
            Assert.False(string.IsNullOrEmpty(value.Metric));
            Assert.True(value.Unit is null || value.Unit.Length is > 0 and <= PayloadParser.MaxUnitLength);
        }

        if (parsed.Time is { } time)
        {
            Assert.InRange(time, new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), Now.AddDays(36_525));
        }

        if (parsed.Kind is PayloadKind.Empty or PayloadKind.Unparsed)
        {
            Assert.Empty(parsed.Values);
        }
        else if (parsed.Kind is PayloadKind.Number or PayloadKind.Text)
        {
            Assert.Single(parsed.Values);
        }
    }

    private static string Nested(int depth) =>
        string.Concat(Enumerable.Repeat("{\"a\":", depth - 1)) + "{\"v\":1}" + new string('}', depth - 1);
}
