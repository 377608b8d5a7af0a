using System.Collections.Concurrent;
using System.Globalization;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Exceptions;

namespace Dashboard.Broker;

/// <summary>
/// Routes MQTTnet's log into ASP.NET Core logging under "MQTTnet.{source}". MQTTnet's warnings
/// and communication errors are one client's trouble (a dropped connection, a bad packet), so they come
/// out as Information: a misbehaving device must not fill the log with errors.
/// </summary>
internal sealed class MqttNetLogger(ILoggerFactory loggerFactory) : IMqttNetLogger
{
    // MQTTnet logs verbose lines for every message it dispatches: finding the logger must cost a lookup, not a factory call.
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public bool IsEnabled => true;

    public void Publish(MqttNetLogLevel level, string source, string message, object[] parameters, Exception exception)
    {
        var logLevel = level switch
        {
            MqttNetLogLevel.Verbose => LogLevel.Trace,
            MqttNetLogLevel.Info => LogLevel.Debug,
            MqttNetLogLevel.Warning => LogLevel.Information,
            _ when exception is MqttCommunicationException or MqttProtocolViolationException => LogLevel.Information, // one client's broken connection or bad packet
            _ => LogLevel.Error,
        };
        var logger = _loggers.GetOrAdd(source, static (s, factory) => factory.CreateLogger("MQTTnet." + s), loggerFactory);
        if (!logger.IsEnabled(logLevel))
        {
            return;
        }

        var text = parameters is { Length: > 0 } ? string.Format(CultureInfo.InvariantCulture, message, parameters) : message;
#pragma warning disable CA2254 // MQTTnet hands over finished messages, not templates
        logger.Log(logLevel, exception, text);
#pragma warning restore CA2254
    }
}
