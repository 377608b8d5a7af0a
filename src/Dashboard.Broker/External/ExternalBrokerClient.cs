using System.Buffers;
using System.Net.Sockets;
using Dashboard.Broker.Events;
using Dashboard.Broker.Metrics;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Dashboard.Broker.External;

/// <summary>
/// The dashboard as a client of an existing broker (<c>Broker:Mode=External</c>): one MQTT 5 connection with a persistent
/// session (clean start off, <see cref="ExternalBrokerOptions.SessionExpiry"/>), QoS 1 shared subscriptions
/// <c>$share/&lt;group&gt;/&lt;filter&gt;</c> so instances split the messages, reconnects with back-off; with
/// <see cref="ExternalBrokerOptions.LiveView"/>, a second, clean connection subscribed plainly, for the live view. Every message goes
/// into <see cref="BrokerEventChannel"/> as the embedded broker's publishes do, so everything after it works unchanged.
/// </summary>
internal sealed partial class ExternalBrokerClient(
    IOptions<BrokerOptions> options,
    BrokerEventChannel events,
    BrokerMetrics metrics,
    TimeProvider clock,
    ILogger<ExternalBrokerClient> logger) : BackgroundService
{
    private readonly MqttClientFactory _factory = new();
    private readonly ExternalBrokerOptions _settings = options.Value.External;
    private IMqttClient? _client;
    private volatile ExternalBrokerState _state = new(options.Value.External.Address, null, "not connected yet");

    public ExternalBrokerState State => _state;

    /// <summary>The connection, while it is up.</summary>
    public IMqttClient? Connection => _client is { IsConnected: true } client ? client : null;

    /// <summary>Retained messages read at start (<see cref="RetainedSnapshot"/>).</summary>
    public int RetainedAtStart { get; private set; }

    public DateTimeOffset StartedAt { get; } = clock.GetUtcNow();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _settings.LiveView == true
        ? Task.WhenAll(RunAsync(EventCopy.Share, stoppingToken), RunAsync(EventCopy.Live, stoppingToken))
        : RunAsync(EventCopy.Only, stoppingToken);

    /// <summary>
    /// Keeps one connection up: the persistent one with the shared subscriptions (<see cref="EventCopy.Only"/> or
    /// <see cref="EventCopy.Share"/>), or the live view's clean one with plain subscriptions (<see cref="EventCopy.Live"/>).
    /// </summary>
    private async Task RunAsync(EventCopy copy, CancellationToken stoppingToken)
    {
        var live = copy == EventCopy.Live;
        var clientId = live ? $"{_settings.EffectiveClientId}-live" : _settings.EffectiveClientId;
        using var client = _factory.CreateMqttClient();
        if (!live)
        {
            _client = client;
        }

        client.ApplicationMessageReceivedAsync += e => OnMessageAsync(e, copy);
        var failures = 0;
        var retainedRead = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var ended = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
            Func<MqttClientDisconnectedEventArgs, Task> onDisconnected = e =>
            {
                ended.TrySetResult(e);
                return Task.CompletedTask;
            };
            client.DisconnectedAsync += onDisconnected;
            try
            {
                if (copy == EventCopy.Only && !retainedRead)
                {
                    // Before the live subscriptions: what the session kept while the dashboard was away is newer than this.
                    RetainedAtStart = await ReadRetainedAsync(copy, stoppingToken);
                    retainedRead = true;
                }

                var connected = await ConnectAsync(client, Options(clientId, persistent: !live), stoppingToken);
                await SubscribeAsync(client, copy, stoppingToken);
                if (live)
                {
                    // After subscribing, so nothing falls between: the last values and presence, at every (re)connect, since
                    // the live view's clean session kept nothing while it was away.
                    RetainedAtStart = await ReadRetainedAsync(copy, stoppingToken);
                }

                failures = 0;
                if (!live)
                {
                    _state = _state with { ConnectedSince = clock.GetUtcNow(), Problem = null };
                }

                logger.LogInformation("Connected to the external broker {Address} as {ClientId} ({Session}); {What} {Topics}",
                    _settings.Address, clientId, connected.IsSessionPresent ? "session resumed" : "new session",
                    live ? "live view of" : $"ingesting, in shared group {_settings.SharedGroup},", string.Join(", ", _settings.Topics));

                var end = await ended.Task.WaitAsync(stoppingToken);
                var why = end.Exception is { } ex ? Describe(ex) : $"{end.Reason}";
                if (!live)
                {
                    _state = _state with { ConnectedSince = null, Problem = "connection lost: " + why };
                }

                logger.LogWarning("Lost the connection {ClientId} to the external broker {Address}: {Reason}; reconnecting", clientId, _settings.Address, why);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                var why = Describe(ex);
                if (!live)
                {
                    _state = _state with { ConnectedSince = null, Problem = why };
                }

                logger.LogWarning("Cannot connect to the external broker {Address} as {ClientId}: {Reason}", _settings.Address, clientId, why);
            }
            finally
            {
                client.DisconnectedAsync -= onDisconnected;
            }

            // After a lost connection too (0.5 to 1 s then), so a connection that keeps dropping does not spin.
            var wait = Backoff.Delay(++failures, Random.Shared.NextDouble());
            logger.LogDebug("Next attempt to connect to {Address} in {Seconds:0.0} s", _settings.Address, wait.TotalSeconds);
            try
            {
                await Task.Delay(wait, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        if (live && client.IsConnected)
        {
            await DisconnectAsync(client, CancellationToken.None);
        }
    }

    private Task<int> ReadRetainedAsync(EventCopy copy, CancellationToken cancellationToken) => RetainedSnapshot.ReadAsync(
        _factory, Options($"{_settings.EffectiveClientId}-retained", persistent: false), _settings.Topics, options.Value.ReplayFirstTopicPrefixes,
        copy, events, clock, cancellationToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_client is { IsConnected: true } client)
        {
            // A normal DISCONNECT keeps the session (its expiry was set at CONNECT): the broker queues what comes meanwhile.
            await DisconnectAsync(client, cancellationToken);
        }
    }

    private async Task DisconnectAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        try
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(),
                cancellationToken);
        }
        catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException or ObjectDisposedException)
        {
            logger.LogDebug(ex, "The external broker connection ended while disconnecting");
        }
    }

    private MqttClientOptions Options(string clientId, bool persistent)
    {
        var builder = _factory.CreateClientOptionsBuilder()
            .WithTcpServer(_settings.Host, _settings.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithCleanStart(!persistent)
            .WithSessionExpiryInterval(persistent ? (uint)_settings.SessionExpiry.TotalSeconds : 0)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (!string.IsNullOrEmpty(_settings.Username))
        {
            builder = builder.WithCredentials(_settings.Username, _settings.Password);
        }

        if (_settings.UseTls)
        {
            builder = builder.WithTlsOptions(tls => tls.UseTls());
        }

        return builder.Build();
    }

    private async Task SubscribeAsync(IMqttClient client, EventCopy copy, CancellationToken cancellationToken)
    {
        // Always subscribe, session present or not: a changed Topics takes effect, and SUBSCRIBE is idempotent.
        var subscribe = _factory.CreateSubscribeOptionsBuilder();
        foreach (var filter in _settings.Topics)
        {
            subscribe = copy == EventCopy.Live
                ? subscribe.WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce, retainHandling: MqttRetainHandling.DoNotSendOnSubscribe)
                : subscribe.WithTopicFilter($"$share/{_settings.SharedGroup}/{filter}", MqttQualityOfServiceLevel.AtLeastOnce);
        }

        if (_settings.ClientEvents && copy != EventCopy.Share) // plain, so every instance sees every connection
        {
            foreach (var filter in EmqxClientEvents.Filters)
            {
                subscribe = subscribe.WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce);
            }
        }

        var result = await client.SubscribeAsync(subscribe.Build(), cancellationToken);
        foreach (var item in result.Items.Where(i => (int)i.ResultCode > 2))
        {
            logger.LogError("The external broker {Address} refused the subscription {Filter}: {Code}", _settings.Address, item.TopicFilter.Topic, item.ResultCode);
        }
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e, EventCopy copy)
    {
        var message = e.ApplicationMessage;
        metrics.MessageReceived();
        var now = clock.GetUtcNow();
        if (EmqxClientEvents.IsClientEvent(message.Topic))
        {
            if (_settings.ClientEvents && EmqxClientEvents.TryRead(message.Topic, message.Payload.ToArray(), now, out var connection))
            {
                events.Publish(connection with { Copy = copy });
            }

            return Task.CompletedTask;
        }

        events.Publish(ToEvent(message, now, restored: false, copy));
        return Task.CompletedTask;
    }

    /// <summary>The message as the embedded broker's publish event, with a payload of its own (the client's buffer is not kept).</summary>
    internal static BrokerEvent ToEvent(MqttApplicationMessage message, DateTimeOffset time, bool restored, EventCopy copy) => new(
        BrokerEventKind.MessagePublished,
        time,
        "",
        message.Topic,
        message.Payload.ToArray(),
        message.QualityOfServiceLevel,
        message.Retain,
        null,
        restored,
        PublisherTag.Read(message),
        copy);

    /// <summary>The cause in a line an operator can act on: refused credentials, an unreachable host, a TLS failure.</summary>
    internal static string Describe(Exception ex) => ex switch
    {
        ConnectionRefusedException refused => refused.Code switch
        {
            MqttClientConnectResultCode.BadUserNameOrPassword => "refused: bad username or password (Broker:External:Username and Password)",
            MqttClientConnectResultCode.NotAuthorized => "refused: not authorized (the broker's ACL or credentials)",
            MqttClientConnectResultCode.ClientIdentifierNotValid => "refused: client id not valid (Broker:External:ClientId)",
            MqttClientConnectResultCode.UnsupportedProtocolVersion => "refused: the broker does not speak MQTT 5",
            var code => $"refused: {code}",
        },
        _ when Find<SocketException>(ex) is { } socket => socket.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "unreachable: nothing listens at that host and port (connection refused)",
            SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "unreachable: the host name does not resolve",
            SocketError.TimedOut or SocketError.HostUnreachable or SocketError.NetworkUnreachable => $"unreachable: {socket.SocketErrorCode}",
            var code => $"network error: {code}",
        },
        _ when Find<System.Security.Authentication.AuthenticationException>(ex) is { } tls => "TLS failed: " + tls.Message,
        MqttCommunicationTimedOutException => "no answer from the broker in time",
        _ => ex.GetBaseException().Message,
    };

    /// <summary>Connects, or throws <see cref="ConnectionRefusedException"/> when CONNACK refuses (MQTTnet returns that as a result).</summary>
    internal static async Task<MqttClientConnectResult> ConnectAsync(IMqttClient client, MqttClientOptions options, CancellationToken cancellationToken)
    {
        var result = await client.ConnectAsync(options, cancellationToken);
        return result.ResultCode == MqttClientConnectResultCode.Success ? result : throw new ConnectionRefusedException(result.ResultCode, result.ReasonString);
    }

    private static T? Find<T>(Exception? ex) where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is T found)
            {
                return found;
            }
        }

        return null;
    }
}

/// <summary>The external broker answered CONNECT with a refusal.</summary>
internal sealed class ConnectionRefusedException(MqttClientConnectResultCode code, string? reason)
    : Exception($"CONNACK {code}{(string.IsNullOrEmpty(reason) ? "" : ": " + reason)}")
{
    public MqttClientConnectResultCode Code { get; } = code;
}
