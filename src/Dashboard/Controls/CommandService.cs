using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Dashboard.Broker;
using Dashboard.Broker.Tracking;
using Dashboard.Devices.Controls;
using Dashboard.Live;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.Controls;

/// <summary>
/// Sends commands through the broker and follows each one's round trip: every session's delivery as the broker reports it
/// (<see cref="IBrokerPublisher.PublishTrackedAsync"/>), then the device's state topic in live state until it shows the
/// value or <see cref="ControlsOptions.ConfirmTimeout"/> passes. Live state's feed is followed only while a command waits
/// for its state, so nothing is done per message otherwise. The last <see cref="ControlsOptions.MaxCommands"/> are kept.
/// </summary>
public sealed class CommandService : IDisposable
{
    private readonly IBrokerPublisher _broker;
    private readonly LiveState _live;
    private readonly LiveFeed _feed;
    private readonly ControlsOptions _options;
    private readonly TimeProvider _clock;
    private readonly SubscriberList<CommandRoundTrip> _changed;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, CommandRoundTrip> _commands = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly ConcurrentDictionary<string, Waiting> _waiting = new(StringComparer.Ordinal);
    private IDisposable? _feedSubscription;

    public CommandService(IBrokerPublisher broker, LiveState live, LiveFeed feed, IOptions<ControlsOptions> options, TimeProvider clock, ILogger<CommandService> logger)
    {
        _broker = broker;
        _live = live;
        _feed = feed;
        _options = options.Value;
        _clock = clock;
        _changed = new SubscriberList<CommandRoundTrip>(logger, "the commands feed");
    }

    /// <summary>Every change of every command's round trip, on the thread that made it.</summary>
    public IDisposable Subscribe(Action<CommandRoundTrip> changed) => _changed.Subscribe(changed);

    public CommandRoundTrip? Get(string id)
    {
        lock (_lock)
        {
            return _commands.GetValueOrDefault(id);
        }
    }

    /// <summary>Publishes <paramref name="command"/> for <paramref name="control"/> of <paramref name="deviceId"/>, as <paramref name="by"/>.</summary>
    public async Task<CommandRoundTrip> SendAsync(string deviceId, ControlDefinition control, ControlCommand command, string by, CancellationToken cancellationToken)
    {
        var confirmable = command.Expected is not null && control.StateTopic is not null;
        var trip = new CommandRoundTrip(Guid.NewGuid().ToString("N")[..16], deviceId, control.Id, control.Name, control.CommandTopic, command.Payload,
            _options.CommandQos, command.Expected, confirmable ? control.StateTopic : null, by, _clock.GetUtcNow(), _options.ConfirmTimeout);
        Store(trip);
        var waiting = new Waiting(trip.Id, control);
        _waiting[trip.Id] = waiting;
        if (confirmable)
        {
            FollowFeed();
        }

        var message = new MqttApplicationMessage
        {
            Topic = control.CommandTopic,
            Payload = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(command.Payload)),
            QualityOfServiceLevel = (MqttQualityOfServiceLevel)_options.CommandQos,
        };
        try
        {
            waiting.Tracked = await _broker.PublishTrackedAsync(message, by, cancellationToken);
        }
        catch
        {
            _waiting.TryRemove(trip.Id, out _);
            throw;
        }

        waiting.Changes = waiting.Tracked.Subscribe(_ => Update(waiting));
        waiting.Timer = _clock.CreateTimer(_ => Finish(waiting), null, _options.ConfirmTimeout, Timeout.InfiniteTimeSpan);
        Update(waiting);
        return Get(trip.Id)!;
    }

    public void Dispose()
    {
        foreach (var waiting in _waiting.Values)
        {
            waiting.Dispose();
        }

        _feedSubscription?.Dispose();
    }

    /// <summary>The deliveries moved on (or the broker finished dispatching): outcomes that need no state are decided here.</summary>
    private void Update(Waiting waiting)
    {
        if (waiting.Tracked is not { } tracked)
        {
            return;
        }

        var deliveries = tracked.Deliveries;
        var finishNow = false;
        Change(waiting.Id, trip =>
        {
            var outcome = trip.Outcome;
            if (outcome == CommandOutcome.InFlight && tracked.Dispatched)
            {
                if (deliveries.Count == 0)
                {
                    (outcome, finishNow) = (CommandOutcome.NoSubscriber, true);
                }
                else if (deliveries.All(d => d.State is DeliveryState.Dropped or DeliveryState.Refused))
                {
                    (outcome, finishNow) = (CommandOutcome.NotDelivered, true);
                }
                else if (trip.StateTopic is null)
                {
                    outcome = CommandOutcome.NotConfirmable; // the deliveries are still followed until the timeout
                }
            }

            finishNow |= outcome is CommandOutcome.Confirmed or CommandOutcome.NotConfirmable && Settled(deliveries);
            return trip with { Deliveries = deliveries, Dispatched = tracked.Dispatched, Outcome = outcome };
        });

        if (finishNow)
        {
            Finish(waiting);
        }
    }

    /// <summary>The timeout: what has not been confirmed is "no answer", or "queued" when only offline sessions got it.</summary>
    private void Finish(Waiting waiting)
    {
        if (!_waiting.TryRemove(waiting.Id, out _))
        {
            return;
        }

        var deliveries = waiting.Tracked?.Deliveries;
        waiting.Dispose();
        Change(waiting.Id, trip =>
        {
            var outcome = trip.Outcome;
            if (outcome == CommandOutcome.InFlight)
            {
                var online = trip.Deliveries.Any(d => d.State is DeliveryState.Pending or DeliveryState.Sent or DeliveryState.Acknowledged);
                outcome = !online && trip.Deliveries.Any(d => d.State == DeliveryState.Queued) ? CommandOutcome.Queued : CommandOutcome.NoAnswer;
            }

            return trip with { Deliveries = deliveries ?? trip.Deliveries, Outcome = outcome, Finished = true };
        });

        lock (_lock)
        {
            if (_waiting.IsEmpty && _feedSubscription is not null)
            {
                _feedSubscription.Dispose();
                _feedSubscription = null;
            }
        }
    }

    private void FollowFeed()
    {
        lock (_lock)
        {
            _feedSubscription ??= _feed.Subscribe(OnLiveBatch);
        }
    }

    private void OnLiveBatch(LiveBatch batch)
    {
        foreach (var waiting in _waiting.Values)
        {
            if (Get(waiting.Id) is not { Outcome: CommandOutcome.InFlight, StateTopic: { } topic, Expected: { } expected } trip
                || !(batch.Overflowed || batch.Changes.Any(c => c is TopicChanged t && t.Topic == topic))
                || _live.Topic(topic) is not { } detail || detail.Summary.LastReceived < trip.SentAt)
            {
                continue;
            }

            var state = ControlState.Read(waiting.Control, detail.Payload);
            var confirmed = ControlState.Shows(waiting.Control, state, expected);
            Change(trip.Id, t => t.Outcome != CommandOutcome.InFlight ? t : t with
            {
                StateSeen = state,
                Outcome = confirmed ? CommandOutcome.Confirmed : CommandOutcome.InFlight,
                ConfirmedAt = confirmed ? detail.Summary.LastReceived : null,
            });
            if (confirmed && Settled(trip.Deliveries))
            {
                Finish(waiting);
            }
        }
    }

    /// <summary>Every delivery is as far as it will go: acknowledged, written at QoS 0, queued, dropped or refused.</summary>
    private static bool Settled(IReadOnlyList<SessionDelivery> deliveries) =>
        deliveries.All(d => d.State is not (DeliveryState.Pending or DeliveryState.Sent) || d is { State: DeliveryState.Sent, Qos: MqttQualityOfServiceLevel.AtMostOnce });

    private void Store(CommandRoundTrip trip)
    {
        lock (_lock)
        {
            _commands[trip.Id] = trip;
            _order.Enqueue(trip.Id);
            while (_order.Count > _options.MaxCommands && _order.TryDequeue(out var oldest))
            {
                _commands.Remove(oldest);
            }
        }

        _changed.Publish(trip);
    }

    private void Change(string id, Func<CommandRoundTrip, CommandRoundTrip> change)
    {
        CommandRoundTrip changed;
        lock (_lock)
        {
            if (!_commands.TryGetValue(id, out var trip) || trip.Finished)
            {
                return;
            }

            _commands[id] = changed = change(trip);
        }

        _changed.Publish(changed);
    }

    private sealed class Waiting(string id, ControlDefinition control) : IDisposable
    {
        public string Id { get; } = id;
        public ControlDefinition Control { get; } = control;
        public TrackedPublish? Tracked { get; set; }
        public IDisposable? Changes { get; set; }
        public ITimer? Timer { get; set; }

        public void Dispose()
        {
            Timer?.Dispose();
            Changes?.Dispose();
            Tracked?.Dispose();
        }
    }
}
