using System.Diagnostics;
using MQTTnet;
using MQTTnet.Formatter;

namespace Dashboard.Simulator;

/// <summary>Runs the devices, the chaos monkey and the status line until stopped or the duration is up.</summary>
internal sealed class Simulator(SimulatorOptions options)
{
    private static readonly TimeSpan StatusPeriod = TimeSpan.FromSeconds(5);

    private readonly SimulatorStats _stats = new();

    public async Task RunAsync(CancellationToken shutdown)
    {
        var factory = new MqttClientFactory();
        var devices = Enumerable.Range(0, options.Count)
            .Select(i => new SimulatedDevice(options.DeviceName(i), options.FormatFor(i), options, _stats, factory))
            .ToArray();

        Log.Info($"{devices.Length} device(s) {devices[0].Name}..{devices[^1].Name} -> {options.Endpoint}, "
            + $"MQTT {(options.Protocol == MqttProtocolVersion.V500 ? "5" : "3.1.1")}, QoS {(int)options.Qos}, "
            + $"every {options.Interval.TotalSeconds:0.###}s, format {options.Format?.ToString().ToLowerInvariant() ?? "mixed"}"
            + (options.Chaos is { } chaos ? $", chaos every ~{chaos.TotalSeconds:0.#}s" : "")
            + (options.Duration is { } duration ? $", for {duration.TotalSeconds:0.#}s" : ", until Ctrl+C"));

        using var run = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        if (options.Duration is { } limit)
        {
            run.CancelAfter(limit);
        }

        var started = Stopwatch.GetTimestamp();
        var tasks = devices.Select(device => device.RunAsync(run.Token)).ToList();
        tasks.Add(ReportStatusAsync(devices, run.Token));
        if (options.Chaos is { } meanGap)
        {
            tasks.Add(RunChaosAsync(devices, meanGap, run.Token));
        }

        await Task.WhenAll(tasks);

        var elapsed = Stopwatch.GetElapsedTime(started);
        Log.Info($"stopped after {elapsed.TotalSeconds:0.0}s: sent {_stats.Sent} ({_stats.Sent / elapsed.TotalSeconds:0.0}/s), "
            + $"failed {_stats.Failed}, reconnects {_stats.Reconnects}, chaos kills {_stats.ChaosKills}");
    }

    private async Task ReportStatusAsync(SimulatedDevice[] devices, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(StatusPeriod);
        var lastSent = 0L;
        var lastTime = Stopwatch.GetTimestamp();
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                var sent = _stats.Sent;
                var now = Stopwatch.GetTimestamp();
                var rate = (sent - lastSent) / Stopwatch.GetElapsedTime(lastTime, now).TotalSeconds;
                (lastSent, lastTime) = (sent, now);
                Log.Info($"status: connected {devices.Count(d => d.IsOnline)}/{devices.Length} | sent {sent} ({rate:0.0}/s) | "
                    + $"failed {_stats.Failed} | reconnects {_stats.Reconnects} | chaos kills {_stats.ChaosKills}");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RunChaosAsync(SimulatedDevice[] devices, TimeSpan meanGap, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            // Exponentially distributed gaps: kills arrive at random, meanGap apart on average.
            var gap = meanGap * -Math.Log(1 - Random.Shared.NextDouble());
            await Task.Delay(gap, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

            var online = devices.Where(d => d.IsOnline).ToArray();
            if (!stopping.IsCancellationRequested && online.Length > 0 && online[Random.Shared.Next(online.Length)].TryDropConnection())
            {
                _stats.ChaosKilled();
            }
        }
    }
}
