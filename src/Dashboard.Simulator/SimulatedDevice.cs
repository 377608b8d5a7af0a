using System.Diagnostics;
using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.Simulator;

/// <summary>One sensor: its own MQTT client, a reconnect loop, and one sequential publish loop.</summary>
internal sealed class SimulatedDevice
{
    private static readonly TimeSpan InitialBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(10);

    private readonly SimulatorOptions _options;
    private readonly PayloadFormat _format;
    private readonly SimulatorStats _stats;
    private readonly MqttClientFactory _factory;
    private readonly MqttClientOptions _clientOptions;
    private readonly SimulatedSensor _sensor = new(new Random());
    private readonly string _statusTopic;

    // Completed when the current connection ends, by the broker/network or by chaos.
    private TaskCompletionSource<ConnectionEnd>? _connectionEnded;
    private volatile bool _online;
    private string? _lastProblem;

    public SimulatedDevice(string name, PayloadFormat format, SimulatorOptions options, SimulatorStats stats, MqttClientFactory factory)
    {
        Name = name;
        _format = format;
        _options = options;
        _stats = stats;
        _factory = factory;
        _statusTopic = Payloads.StatusTopic(name);
        _clientOptions = CreateClientOptions();
    }

    public string Name { get; }

    public bool IsOnline => _online;

    /// <summary>
    /// Asks the device loop to drop its connection without a DISCONNECT packet, as a crash or a pulled cable
    /// would, so the broker publishes the Last Will. The loop does it between publishes, never mid-packet.
    /// </summary>
    public bool TryDropConnection() =>
        _online && Volatile.Read(ref _connectionEnded) is { } ended && ended.TrySetResult(new ConnectionEnd(ByChaos: true, "chaos"));

    public async Task RunAsync(CancellationToken stopping)
    {
        // Spread the devices over one interval so they do not all connect and publish together.
        await Task.Delay(_options.Interval * Random.Shared.NextDouble(), stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        var backoff = InitialBackoff;
        var wasConnected = false;
        while (!stopping.IsCancellationRequested)
        {
            using var client = _factory.CreateMqttClient();
            var ended = new TaskCompletionSource<ConnectionEnd>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.DisconnectedAsync += e =>
            {
                ended.TrySetResult(new ConnectionEnd(ByChaos: false, Describe(e)));
                return Task.CompletedTask;
            };

            if (await TryConnectAsync(client, stopping) is { } problem)
            {
                if (stopping.IsCancellationRequested)
                {
                    if (client.IsConnected)
                    {
                        await GoOfflineAsync(client);
                    }

                    return;
                }

                ReportProblem($"cannot connect: {problem}; retrying with backoff");
                await Task.Delay(Jittered(backoff), stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                continue;
            }

            if (wasConnected)
            {
                _stats.Reconnected();
            }

            wasConnected = true;
            backoff = InitialBackoff;
            _lastProblem = null;
            Volatile.Write(ref _connectionEnded, ended);
            _online = true;
            Log.Info($"{Name}: online");

            var end = await PublishUntilEndedAsync(client, ended.Task, stopping);
            _online = false;

            if (stopping.IsCancellationRequested && end is null)
            {
                await GoOfflineAsync(client);
                return;
            }

            if (end is { ByChaos: true })
            {
                // Dispose without DisconnectAsync: MQTTnet closes the socket (or aborts the WebSocket)
                // without sending DISCONNECT, so the broker treats it as an abnormal disconnect.
                client.Dispose();
                var pause = TimeSpan.FromSeconds(2 + (Random.Shared.NextDouble() * 3));
                Log.Info($"{Name}: chaos dropped the connection without DISCONNECT; reconnecting in {pause.TotalSeconds:0.0}s");
                await Task.Delay(pause, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            ReportProblem($"connection lost: {end?.Reason}; reconnecting");
            await Task.Delay(Jittered(backoff), stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task<string?> TryConnectAsync(IMqttClient client, CancellationToken stopping)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            timeout.CancelAfter(OperationTimeout);
            var result = await client.ConnectAsync(_clientOptions, timeout.Token);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                return $"refused ({result.ResultCode})";
            }

            await client.PublishAsync(StatusMessage("online"), timeout.Token);
            return null;
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return "timed out";
        }
        catch (Exception exception)
        {
            return exception.GetBaseException().Message;
        }
    }

    /// <summary>Publishes a reading every interval until the connection ends (returns how) or stopping (returns null).</summary>
    private async Task<ConnectionEnd?> PublishUntilEndedAsync(IMqttClient client, Task<ConnectionEnd> ended, CancellationToken stopping)
    {
        var due = Stopwatch.GetTimestamp();
        while (true)
        {
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.WhenAny(Task.Delay(wait, stopping), ended);
            }

            if (stopping.IsCancellationRequested)
            {
                return null;
            }

            if (ended.IsCompleted)
            {
                return await ended;
            }

            try
            {
                await PublishReadingAsync(client);
            }
            catch (Exception exception)
            {
                return new ConnectionEnd(ByChaos: false, exception.GetBaseException().Message);
            }

            due += (long)(Jittered(_options.Interval).TotalSeconds * Stopwatch.Frequency);
            // When publishing falls behind (overloaded broker or machine) skip ahead instead of bursting to catch up.
            var now = Stopwatch.GetTimestamp();
            if (due < now)
            {
                due = now;
            }
        }
    }

    private async Task PublishReadingAsync(IMqttClient client)
    {
        foreach (var publication in Payloads.Create(_format, Name, _sensor.Next(), DateTimeOffset.UtcNow))
        {
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(publication.Topic)
                .WithPayload(publication.Payload)
                .WithQualityOfServiceLevel(_options.Qos)
                .Build();

            // Not the stopping token: cancelling mid-write would tear the connection down before the
            // graceful "offline"; a timeout still bounds a broker that stops acknowledging.
            using var timeout = new CancellationTokenSource(OperationTimeout);
            var result = await client.PublishAsync(message, timeout.Token);
            if (result.IsSuccess)
            {
                _stats.MessageSent();
            }
            else
            {
                _stats.MessageFailed();
                ReportProblem($"publish to {publication.Topic} refused: {result.ReasonCode} {result.ReasonString}");
            }
        }
    }

    private async Task GoOfflineAsync(IMqttClient client)
    {
        try
        {
            using var timeout = new CancellationTokenSource(OperationTimeout);
            await client.PublishAsync(StatusMessage("offline"), timeout.Token);
            await client.DisconnectAsync(
                new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(),
                timeout.Token);
            Log.Info($"{Name}: offline (graceful)");
        }
        catch (Exception exception)
        {
            Log.Info($"{Name}: could not publish offline and disconnect: {exception.GetBaseException().Message}");
        }
    }

    private MqttClientOptions CreateClientOptions()
    {
        // Client id = device name, so a restarted simulator takes over its previous sessions.
        var builder = new MqttClientOptionsBuilder()
            .WithClientId(Name)
            .WithProtocolVersion(_options.Protocol)
            .WithCleanSession()
            .WithTimeout(OperationTimeout)
            .WithWillTopic(_statusTopic)
            .WithWillPayload("offline")
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain();

        builder = _options.WebSocket
            ? builder.WithWebSocketServer(o => o.WithUri(_options.Endpoint))
            : builder.WithTcpServer(_options.Host, _options.Port);

        if (_options.Username is not null)
        {
            builder = builder.WithCredentials(_options.Username, _options.Password);
        }

        return builder.Build();
    }

    private MqttApplicationMessage StatusMessage(string status) => new MqttApplicationMessageBuilder()
        .WithTopic(_statusTopic)
        .WithPayload(status)
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .WithRetainFlag()
        .Build();

    /// <summary>One log line per change of trouble, not one per retry or per message.</summary>
    private void ReportProblem(string problem)
    {
        if (problem != _lastProblem)
        {
            _lastProblem = problem;
            Log.Info($"{Name}: {problem}");
        }
    }

    // Without an exception or a DISCONNECT reason (always so for MQTT 3.1.1) the broker simply closed the socket.
    private static string Describe(MqttClientDisconnectedEventArgs e) =>
        e.Exception?.GetBaseException().Message
        ?? (e.Reason == MqttClientDisconnectReason.NormalDisconnection ? "closed by the broker" : $"{e.Reason} {e.ReasonString}".TrimEnd());

    private static TimeSpan Jittered(TimeSpan value) => value * (0.9 + (Random.Shared.NextDouble() * 0.2));

    private sealed record ConnectionEnd(bool ByChaos, string Reason);
}
