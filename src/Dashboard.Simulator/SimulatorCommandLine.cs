using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Dashboard.Simulator;

internal static partial class SimulatorCommandLine
{
    private static readonly Option<string> HostOption = new("--host")
    {
        Description = "Broker host.",
        DefaultValueFactory = _ => "localhost",
    };

    private static readonly Option<int?> PortOption = new("--port")
    {
        Description = "Broker port. [default: 1883, or 9001 with --websocket]",
    };

    private static readonly Option<bool> WebSocketOption = new("--websocket")
    {
        Description = "Connect with MQTT over WebSockets to ws://<host>:<port>/mqtt.",
    };

    private static readonly Option<int> QosOption = new Option<int>("--qos")
    {
        Description = "QoS of the readings (status messages always use QoS 1).",
        DefaultValueFactory = _ => 0,
    }.AcceptOnlyFromAmong("0", "1", "2");

    private static readonly Option<string> ProtocolOption = new Option<string>("--protocol")
    {
        Description = "MQTT protocol version.",
        DefaultValueFactory = _ => "3.1.1",
    }.AcceptOnlyFromAmong("3.1.1", "5");

    private static readonly Option<string?> UsernameOption = new("--username")
    {
        Description = "User name to connect with.",
    };

    private static readonly Option<string?> PasswordOption = new("--password")
    {
        Description = "Password to connect with (needs --username).",
    };

    private static readonly Option<int> CountOption = new("--count")
    {
        Description = "Number of simulated sensors, each with its own connection.",
        DefaultValueFactory = _ => 5,
    };

    private static readonly Option<TimeSpan?> IntervalOption = DurationOption(
        "--interval", "Time between readings of each sensor (±10% jitter). [default: 2s]");

    private static readonly Option<TimeSpan?> DurationOpt = DurationOption(
        "--duration", "Stop after this long. [default: run until Ctrl+C]");

    private static readonly Option<string> FormatOption = new Option<string>("--format")
    {
        Description = "Payload format; mixed gives sensor i format i % 3 (number, json, text).",
        DefaultValueFactory = _ => "mixed",
    }.AcceptOnlyFromAmong("mixed", "number", "json", "text");

    private static readonly Option<string> PrefixOption = new("--prefix")
    {
        Description = "Device name prefix: devices are <prefix>-01, <prefix>-02, ...",
        DefaultValueFactory = _ => "sensor",
    };

    private static readonly Option<TimeSpan?> ChaosOption = DurationOption(
        "--chaos", "Every so often (this is the mean gap) drop a random sensor's connection without DISCONNECT, so the broker publishes its will; it reconnects a few seconds later.");

    public static RootCommand Create(Func<SimulatorOptions, CancellationToken, Task<int>> run)
    {
        CountOption.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--count must be at least 1.");
            }
        });
        PortOption.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1 or > 65535)
            {
                result.AddError("--port must be between 1 and 65535.");
            }
        });
        PrefixOption.Validators.Add(result =>
        {
            var prefix = result.GetValueOrDefault<string>();
            if (string.IsNullOrEmpty(prefix) || prefix.IndexOfAny(['/', '+', '#']) >= 0)
            {
                result.AddError("--prefix must be non-empty and contain no '/', '+' or '#'.");
            }
        });

        var command = new RootCommand(
            "Simulates the seeds' temperature/humidity sensors against the Dashboard broker, for demos and load tests. "
            + "Each sensor has its own MQTT connection, a retained online/offline status on home/<device>/status and a Last Will.")
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
        command.SetAction((parseResult, cancellationToken) => run(Bind(parseResult), cancellationToken));
        return command;
    }

    private static SimulatorOptions Bind(ParseResult result)
    {
        var webSocket = result.GetValue(WebSocketOption);
        return new SimulatorOptions(
            Host: result.GetRequiredValue(HostOption),
            Port: result.GetValue(PortOption) ?? (webSocket ? 9001 : 1883),
            WebSocket: webSocket,
            Qos: (MqttQualityOfServiceLevel)result.GetValue(QosOption),
            Protocol: result.GetValue(ProtocolOption) == "5" ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311,
            Username: result.GetValue(UsernameOption),
            Password: result.GetValue(PasswordOption),
            Duration: result.GetValue(DurationOpt),
            Count: result.GetValue(CountOption),
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

    private static Option<TimeSpan?> DurationOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "duration",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (TryParseDuration(text, out var value))
            {
                return value;
            }

            result.AddError($"{name}: '{text}' is not a positive duration (e.g. 500ms, 2s, 1.5m, 1h, or plain seconds).");
            return null;
        },
    };

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
