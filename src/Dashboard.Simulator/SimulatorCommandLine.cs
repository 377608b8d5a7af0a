using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Dashboard.Simulator;

/// <summary>
/// The command line. Values are checked in custom parsers rather than validators: System.CommandLine 2.0
/// validators throw when they read a value that failed to convert ("--count abc").
/// </summary>
internal static partial class SimulatorCommandLine
{
    private static readonly Option<string> HostOption = new("--host")
    {
        Description = "Broker host.",
        DefaultValueFactory = _ => "localhost",
    };

    private static readonly Option<int?> PortOption = IntOption(
        "--port", "Broker port. [default: 1883, or 9001 with --websocket]", 1, 65535);

    private static readonly Option<bool> WebSocketOption = new("--websocket")
    {
        Description = "Use MQTT over WebSockets: ws://<host>:<port>/mqtt.",
    };

    private static readonly Option<string> QosOption = ChoiceOption(
        "--qos", "QoS of the readings; status messages always use QoS 1.", "0", "1", "2");

    private static readonly Option<string> ProtocolOption = ChoiceOption(
        "--protocol", "MQTT protocol version.", "3.1.1", "5");

    private static readonly Option<string?> UsernameOption = new("--username")
    {
        Description = "User name to connect with.",
    };

    private static readonly Option<string?> PasswordOption = new("--password")
    {
        Description = "Password to connect with (needs --username).",
    };

    private static readonly Option<int?> CountOption = IntOption(
        "--count", "Number of sensors, each with its own connection. [default: 5]", 1, 100_000);

    private static readonly Option<TimeSpan?> IntervalOption = DurationOption(
        "--interval", "Time between readings of each sensor, ±10% jitter. [default: 2s]");

    private static readonly Option<TimeSpan?> DurationOpt = DurationOption(
        "--duration", "Stop after this long. [default: until Ctrl+C]");

    private static readonly Option<string> FormatOption = ChoiceOption(
        "--format", "Payload format; mixed cycles sensor-01 number, sensor-02 json, sensor-03 text, ...",
        "mixed", "number", "json", "text");

    private static readonly Option<string> PrefixOption = new("--prefix")
    {
        Description = "Device name prefix: <prefix>-01, <prefix>-02, ...",
        DefaultValueFactory = _ => "sensor",
        CustomParser = result =>
        {
            var prefix = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (prefix.Length == 0 || prefix.IndexOfAny(['/', '+', '#']) >= 0)
            {
                result.AddError($"--prefix: '{prefix}' must be non-empty and contain no '/', '+' or '#'.");
            }

            return prefix;
        },
    };

    private static readonly Option<TimeSpan?> ChaosOption = DurationOption(
        "--chaos", "Mean time between chaos kills: a random sensor's connection is dropped without DISCONNECT, "
        + "so the broker publishes its will; it reconnects a few seconds later. [default: off]");

    public static RootCommand Create(Func<SimulatorOptions, Task<int>> run)
    {
        var command = new RootCommand(
            "Simulates the seeds' temperature/humidity sensors against the Dashboard broker, for demos and load tests. "
            + "Each sensor has its own MQTT connection, a Last Will and a retained online/offline on home/<device>/status.")
        {
            HostOption, PortOption, WebSocketOption, QosOption, ProtocolOption, UsernameOption, PasswordOption,
            CountOption, IntervalOption, DurationOpt, FormatOption, PrefixOption, ChaosOption,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(PasswordOption) is not null && result.GetValue(UsernameOption) is null)
            {
                result.AddError("--password needs --username.");
            }
        });
        command.SetAction(parseResult => run(Bind(parseResult)));
        return command;
    }

    private static SimulatorOptions Bind(ParseResult result)
    {
        var webSocket = result.GetValue(WebSocketOption);
        return new SimulatorOptions(
            Host: result.GetRequiredValue(HostOption),
            Port: result.GetValue(PortOption) ?? (webSocket ? 9001 : 1883),
            WebSocket: webSocket,
            Qos: (MqttQualityOfServiceLevel)int.Parse(result.GetRequiredValue(QosOption), CultureInfo.InvariantCulture),
            Protocol: result.GetValue(ProtocolOption) == "5" ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311,
            Username: result.GetValue(UsernameOption),
            Password: result.GetValue(PasswordOption),
            Duration: result.GetValue(DurationOpt),
            Count: result.GetValue(CountOption) ?? 5,
            Interval: result.GetValue(IntervalOption) ?? TimeSpan.FromSeconds(2),
            Format: result.GetValue(FormatOption) switch
            {
                "number" => PayloadFormat.Number,
                "json" => PayloadFormat.Json,
                "text" => PayloadFormat.Text,
                _ => null,
            },
            Prefix: result.GetRequiredValue(PrefixOption),
            Chaos: result.GetValue(ChaosOption));
    }

    private static Option<int?> IntOption(string name, string description, int min, int max) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = SingleToken(result);
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return value;
            }

            result.AddError($"{name}: '{text}' is not a whole number from {min} to {max}.");
            return null;
        },
    };

    private static Option<string> ChoiceOption(string name, string description, params string[] choices) => new(name)
    {
        Description = description,
        HelpName = string.Join('|', choices),
        DefaultValueFactory = _ => choices[0],
        CustomParser = result =>
        {
            var text = SingleToken(result);
            if (!choices.Contains(text, StringComparer.OrdinalIgnoreCase))
            {
                result.AddError($"{name}: '{text}' is not one of {string.Join(", ", choices)}.");
            }

            return text.ToLowerInvariant();
        },
    };

    private static Option<TimeSpan?> DurationOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "duration",
        CustomParser = result =>
        {
            var text = SingleToken(result);
            if (TryParseDuration(text, out var value))
            {
                return value;
            }

            result.AddError($"{name}: '{text}' is not a positive duration (e.g. 500ms, 2s, 1.5m, 1h, or plain seconds).");
            return null;
        },
    };

    private static string SingleToken(ArgumentResult result) => result.Tokens.Count == 1 ? result.Tokens[0].Value : "";

    /// <summary>Accepts 500ms, 2s, 1.5m, 1h, or a plain number of seconds; only positive values.</summary>
    internal static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        var match = DurationPattern().Match(text.Trim());
        if (!match.Success || !double.TryParse(match.Groups["number"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        value = match.Groups["unit"].Value.ToLowerInvariant() switch
        {
            "ms" => TimeSpan.FromMilliseconds(number),
            "m" or "min" => TimeSpan.FromMinutes(number),
            "h" => TimeSpan.FromHours(number),
            _ => TimeSpan.FromSeconds(number),
        };
        return value > TimeSpan.Zero;
    }

    [GeneratedRegex(@"^(?<number>\d+(\.\d+)?)\s*(?<unit>ms|s|min|m|h)?$", RegexOptions.IgnoreCase)]
    private static partial Regex DurationPattern();
}
