using System.Buffers;
using System.Globalization;
using System.Text;
using MQTTnet;

namespace Dashboard.Bench.Live;

/// <summary>The MQTTnet clients of the live bench: clean sessions, MQTT 3.1.1, over loopback TCP to the app.</summary>
internal static class LiveClients
{
    private static readonly MqttClientFactory Factory = new();

    public static MqttClientOptions Options(BrokerProcess app, string clientId, int bufferBytes)
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", app.MqttPort)
            .WithClientId(clientId)
            .WithCleanSession()
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithTimeout(TimeSpan.FromSeconds(30))
            .Build();
        // See BenchOptions.ClientBufferBytes: MQTTnet's 8 KiB default turns off Linux's buffer autotuning.
        ((MqttClientTcpOptions)options.ChannelOptions).BufferSize = bufferBytes;
        return options;
    }

    public static async Task<IMqttClient[]> ConnectAsync(BrokerProcess app, string prefix, int count, int bufferBytes, CancellationToken cancellationToken)
    {
        var clients = Enumerable.Range(0, count).Select(_ => Factory.CreateMqttClient()).ToArray();
        try
        {
            await Task.WhenAll(clients.Select((c, i) => c.ConnectAsync(Options(app, $"{prefix}-{i:00}", bufferBytes), cancellationToken)));
            return clients;
        }
        catch
        {
            await DisconnectAllAsync(clients);
            throw;
        }
    }

    /// <summary>A QoS 0 reading: the payload is the number as text, as the simplest sensors send it.</summary>
    public static MqttApplicationMessage Reading(string topic, int value) => new()
    {
        Topic = topic,
        Payload = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture))),
    };

    public static Task DisconnectAsync(IMqttClient client) => LoadRun.DisconnectAsync(client);

    public static Task DisconnectAllAsync(IEnumerable<IMqttClient> clients) => Task.WhenAll(clients.Select(LoadRun.DisconnectAsync));
}
