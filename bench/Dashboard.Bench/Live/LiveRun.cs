using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MQTTnet;

namespace Dashboard.Bench.Live;

/// <summary>
/// One run of the live bench against a freshly started app: warm-up, latency at a steady rate, a QoS 0 flood (both
/// with the Overview open in Chromium), then many distinct topics with the Topics page open. See bench/README.md.
/// </summary>
internal sealed class LiveRun
{
    private readonly LiveBenchOptions _options;
    private readonly BrokerProcess _app;
    private readonly SysMonitor _sys;
    private readonly DashboardBrowser _browser;
    private readonly RssSampler _rss;
    private readonly CancellationToken _token;
    private readonly Dictionary<string, int> _deviceIndex;

    private LiveRun(LiveBenchOptions options, BrokerProcess app, SysMonitor sys, DashboardBrowser browser, RssSampler rss, CancellationToken token)
    {
        (_options, _app, _sys, _browser, _rss, _token) = (options, app, sys, browser, rss, token);
        _deviceIndex = Enumerable.Range(0, options.Devices).ToDictionary(LiveValues.DeviceId, d => d, StringComparer.Ordinal);
    }

    private int SeriesCount => _options.Devices * LiveValues.Metrics.Length;

    private string Url(string path) => $"http://127.0.0.1:{_app.HttpPort}{path}";

    public static async Task<LiveRunResult> RunAsync(int run, LiveBenchOptions options, string dashboardDll, DashboardBrowser browser, string tempDir, CancellationToken token)
    {
        var runDir = Directory.CreateDirectory(Path.Combine(tempDir, $"run{run}")).FullName;
        // $SYS every second, so the bench can follow ingestion; anything from --dashboard-env comes after and wins.
        IEnumerable<KeyValuePair<string, string>> environment = [new("Broker__SysInterval", "00:00:01"), .. options.DashboardEnvironment];
        await using var app = await BrokerProcess.StartDashboardAsync(dashboardDll, environment, runDir, token);
        await using var sys = await SysMonitor.ConnectAsync(app, options.ClientBufferBytes, token);
        await using var rss = new RssSampler(app);
        Console.WriteLine($"Run {run}: started the app, pid {app.Pid}, UI on 127.0.0.1:{app.HttpPort}, MQTT on 127.0.0.1:{app.MqttPort}; {app.Settings}");

        var live = new LiveRun(options, app, sys, browser, rss, token);
        var startup = await live.MemoryPointAsync();
        await browser.OpenAsync(live.Url("/"));
        await browser.WatchReadingsAsync();
        await live.WarmUpAsync();

        var latency = await live.LatencyAsync();
        Console.WriteLine(LiveReport.LatencyLine(run, latency));
        var flood = await live.FloodAsync();
        Console.WriteLine(LiveReport.FloodLine(run, flood));
        var memory = await live.MemoryAsync(startup);
        Console.WriteLine(LiveReport.MemoryLine(run, memory));
        return new LiveRunResult(run, LoadAverage(), latency, flood, memory, app.LoggedProblems());
    }

    /// <summary>One value per series, so all the cards exist (and the app's code paths are warm) before anything is measured.</summary>
    private async Task WarmUpAsync()
    {
        var clients = await LiveClients.ConnectAsync(_app, "bench-live-warm", 1, _options.ClientBufferBytes, _token);
        try
        {
            var log = new PublishLog(SeriesCount);
            for (var device = 0; device < _options.Devices; device++)
            {
                for (var metric = 0; metric < LiveValues.Metrics.Length; metric++)
                {
                    var sequence = log.Next(LiveValues.Series(device, metric));
                    await clients[0].PublishAsync(LiveClients.Reading(LiveValues.Topic(device, metric), LiveValues.Value(LivePhase.WarmUp, sequence)), _token);
                }
            }

            if (await _browser.ShowsReadingsAsync(LastValues(log, LivePhase.WarmUp), _options.Patience) is { } problem)
            {
                throw new TimeoutException($"Warm-up: {problem}");
            }

            await _browser.TakeReadingsAsync();
        }
        finally
        {
            await LiveClients.DisconnectAllAsync(clients);
        }
    }

    /// <summary>
    /// Each device its own connection, publishing every devices/rate seconds (50 ms at 1000/s over 50 devices),
    /// temperature and humidity in turn, the devices' schedules spread evenly over the interval. A subscriber on the
    /// same topics measures what the broker alone adds.
    /// </summary>
    private async Task<LatencyResult> LatencyAsync()
    {
        var devices = await LiveClients.ConnectAsync(_app, "bench-live-dev", _options.Devices, _options.ClientBufferBytes, _token);
        var subscriber = (await LiveClients.ConnectAsync(_app, "bench-live-sub", 1, _options.ClientBufferBytes, _token))[0];
        var log = new PublishLog(SeriesCount);
        var delivery = new List<double>();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            // One message at a time (MQTTnet), so the list needs no lock until the phase is over.
            var received = PublishLog.Now();
            if (Parse(e.ApplicationMessage.Topic) is var (series, _) && series >= 0
                && int.TryParse(e.ApplicationMessage.ConvertPayloadToString(), CultureInfo.InvariantCulture, out var value)
                && log.Time(series, LiveValues.Sequence(LivePhase.Latency, value)) is { } published)
            {
                delivery.Add(received - published);
            }

            return Task.CompletedTask;
        };
        try
        {
            await subscriber.SubscribeAsync(new MqttClientFactory().CreateSubscribeOptionsBuilder().WithTopicFilter("bench/+/+").Build(), _token);
            await _sys.NextAsync(_options.Patience, _token);
            var cpu = new CpuMeter(_app);
            var interval = TimeSpan.FromSeconds((double)_options.Devices / _options.LatencyRate);
            var start = Stopwatch.GetTimestamp();
            await Task.WhenAll(devices.Select((client, device) => Task.Run(() => PaceAsync(client, device), CancellationToken.None)));
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

            var problem = await LastValuesShownAsync(log, LivePhase.Latency);
            var cores = cpu.Cores();
            var ui = Match(await _browser.TakeReadingsAsync(), LivePhase.Latency, log, problem);
            return new LatencyResult(log.Total, seconds, cores, Distribution.Of([.. delivery]), ui);

            async Task PaceAsync(IMqttClient client, int device)
            {
                var offset = interval * device / _options.Devices;
                for (var k = 0; ; k++)
                {
                    var due = offset + interval * k;
                    if (due >= _options.LatencyDuration)
                    {
                        return;
                    }

                    var wait = due - Stopwatch.GetElapsedTime(start);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, _token);
                    }

                    var metric = k % LiveValues.Metrics.Length;
                    var sequence = log.Next(LiveValues.Series(device, metric));
                    await client.PublishAsync(LiveClients.Reading(LiveValues.Topic(device, metric), LiveValues.Value(LivePhase.Latency, sequence)), _token);
                }
            }
        }
        finally
        {
            await LiveClients.DisconnectAllAsync([.. devices, subscriber]);
        }
    }

    /// <summary>
    /// Several publishers send QoS 0 readings one after the other as fast as their sockets take them, each over its
    /// share of the devices, until the message count or the time limit. Then the bench waits until ingestion has read
    /// (or dropped) everything the broker received and the page shows every series' last value.
    /// </summary>
    private async Task<FloodResult> FloodAsync()
    {
        var publishers = Math.Min(_options.FloodPublishers, _options.Devices);
        var clients = await LiveClients.ConnectAsync(_app, "bench-live-flood", publishers, _options.ClientBufferBytes, _token);
        var log = new PublishLog(SeriesCount);
        try
        {
            var connected = Stopwatch.GetTimestamp();
            var before = await _sys.WaitForAsync(s => s.Timestamp > connected && s.Backlog == 0, _options.Patience, "an idle app before the flood", _token);
            var rssStart = _rss.Reset();
            var cpu = new CpuMeter(_app);
            var start = Stopwatch.GetTimestamp();
            await Task.WhenAll(clients.Select((client, p) => Task.Run(() => FloodAsync(client, p), CancellationToken.None)));
            var sendSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var sent = log.Total;

            // Everything the broker received is read or dropped by ingestion: nothing is left behind.
            var after = await _sys.WaitForAsync(
                s => s.Received - before.Received >= sent && (s.Processed - before.Processed) + (s.IngestionDropped - before.IngestionDropped) >= s.Received - before.Received,
                _options.Patience, $"ingestion to read the {sent:N0} flood messages", _token);
            var cores = cpu.Cores();
            var rssPeak = _rss.Peak;
            var samples = _sys.Since(start).Where(s => s.Timestamp <= after.Timestamp).ToList();

            var problem = await LastValuesShownAsync(log, LivePhase.Flood);
            var ui = Match(await _browser.TakeReadingsAsync(), LivePhase.Flood, log, problem);
            var received = after.Received - before.Received;
            var processed = after.Processed - before.Processed;
            return new FloodResult(
                sent,
                sendSeconds,
                received,
                SustainedRate(before, samples, s => s.Received),
                processed,
                SustainedRate(before, samples, s => s.Processed),
                FirstAt(samples, s => s.Processed, after.Processed) - FirstAt(samples, s => s.Received, after.Received),
                samples.Select(s => s.Backlog).DefaultIfEmpty().Max(),
                after.IngestionDropped - before.IngestionDropped,
                after.MessagesDropped - before.MessagesDropped,
                rssStart,
                rssPeak,
                RssSampler.Read(_app),
                before.HeapMiB,
                samples.Select(s => s.HeapMiB).DefaultIfEmpty(before.HeapMiB).Max(),
                after.HeapMiB,
                cores,
                ui,
                Timeline(start, before, samples));
        }
        finally
        {
            await LiveClients.DisconnectAllAsync(clients);
        }

        async Task FloodAsync(IMqttClient client, int publisher)
        {
            var series = Enumerable.Range(0, _options.Devices).Where(d => d % publishers == publisher)
                .SelectMany(d => Enumerable.Range(0, LiveValues.Metrics.Length).Select(m => (Device: d, Metric: m))).ToArray();
            var quota = _options.FloodMessages / publishers + (publisher < _options.FloodMessages % publishers ? 1 : 0);
            var deadline = Stopwatch.GetTimestamp() + (long)(_options.FloodDuration.TotalSeconds * Stopwatch.Frequency);
            for (var i = 0; i < quota && Stopwatch.GetTimestamp() < deadline; i++)
            {
                var (device, metric) = series[i % series.Length];
                var sequence = log.Next(LiveValues.Series(device, metric));
                await client.PublishAsync(LiveClients.Reading(LiveValues.Topic(device, metric), LiveValues.Value(LivePhase.Flood, sequence)), _token);
            }
        }
    }

    /// <summary>
    /// With no page open, publishes one message on each of <see cref="LiveBenchOptions.MemoryTopics"/> new topics
    /// (bench/mem/&lt;i&gt;/value) and measures the app's memory once ingestion has read them; then opens the Topics
    /// page on them (load time, memory, a filter round trip) and, with it open, publishes a tenth as many new topics
    /// again and times how soon the page counts them.
    /// </summary>
    private async Task<MemoryResult> MemoryAsync(MemoryPoint startup)
    {
        var topics = _options.MemoryTopics;
        var expected = SeriesCount + topics;
        // A full page load ends the Overview's circuit (the page tells the server as it unloads): with 10 000 new
        // devices it would otherwise render 10 000 cards, which is not what this phase measures.
        await _browser.Page.GotoAsync("about:blank");
        var before = await MemoryPointAsync();
        _rss.Reset();
        var clients = await LiveClients.ConnectAsync(_app, "bench-live-mem", 1, _options.ClientBufferBytes, _token);
        try
        {
            var (publishSeconds, ingestedSeconds) = await PublishTopicsAsync(clients[0], 0, topics);
            var after = await MemoryPointAsync();
            var rssPeak = _rss.Peak;

            var cpu = new CpuMeter(_app);
            var (loaded, interactive) = await _browser.GoToAsync(Url("/topics"));
            var treeShown = await Optional(_browser.WaitForNumberAsync(".topics-summary", $"n => n >= {expected}"));
            var pageCores = cpu.Cores();
            var items = await _browser.Page.EvaluateAsync<int>("() => document.querySelectorAll('.topic-tree .mud-treeview-item').length");
            var withPage = await MemoryPointAsync();

            // Typing in the filter: the field waits 200 ms (its debounce), then the server rebuilds the tree and sends the diff.
            var filter = _browser.Page.Locator(".topic-tree-panel input").First;
            var filtered = await Optional(Measure(async () =>
            {
                await filter.FillAsync($"mem/{topics - 1}/");
                await _browser.WaitForNumberAsync(".topics-summary", "n => n === 1");
            }));
            var unfiltered = filtered is null ? null : await Optional(Measure(async () =>
            {
                await filter.FillAsync("");
                await _browser.WaitForNumberAsync(".topics-summary", $"n => n >= {expected}");
            }));

            var more = Math.Max(1, topics / 10);
            var start = Stopwatch.GetTimestamp();
            var counted = Optional(_browser.WaitForNumberAsync(".topics-summary", $"n => n >= {expected + more}"));
            await PublishTopicsAsync(clients[0], topics, more);
            var countedSeconds = await counted is null ? (double?)null : Stopwatch.GetElapsedTime(start).TotalSeconds;

            return new MemoryResult(topics, startup, before, after, withPage, rssPeak, publishSeconds, ingestedSeconds, loaded.TotalSeconds, interactive.TotalSeconds,
                treeShown is null ? null : interactive.TotalSeconds + treeShown.Value.TotalSeconds, pageCores, items, filtered?.TotalSeconds, unfiltered?.TotalSeconds, more, countedSeconds);
        }
        finally
        {
            await LiveClients.DisconnectAllAsync(clients);
        }
    }

    /// <summary>Publishes one reading on each of bench/mem/&lt;first&gt;/value … and waits until ingestion read them all.</summary>
    private async Task<(double Publish, double Ingested)> PublishTopicsAsync(IMqttClient client, int first, int count)
    {
        var before = await _sys.NextAsync(_options.Patience, _token);
        var start = Stopwatch.GetTimestamp();
        for (var i = first; i < first + count; i++)
        {
            await client.PublishAsync(LiveClients.Reading($"bench/mem/{i}/value", i), _token);
        }

        var publish = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var ingested = await _sys.WaitForAsync(
            s => (s.Processed - before.Processed) + (s.IngestionDropped - before.IngestionDropped) >= count && s.Backlog == 0,
            _options.Patience, $"ingestion to read {count:N0} new topics", _token);
        return (publish, Stopwatch.GetElapsedTime(start, ingested.Timestamp).TotalSeconds);
    }

    /// <summary>The app's memory now, at rest (after the next $SYS refresh), and again after a full GC.</summary>
    private async Task<MemoryPoint> MemoryPointAsync()
    {
        var rest = await _sys.NextAsync(_options.Patience, _token);
        await FullGc.InduceAsync(_app.Pid, _token);
        var collected = await _sys.NextAsync(_options.Patience, _token);
        return new MemoryPoint(rest.RssMiB, rest.HeapMiB, collected.RssMiB, collected.HeapMiB);
    }

    private static async Task<TimeSpan> Measure(Func<Task> action)
    {
        var start = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary>A page wait that may time out: the figure is then reported as missing instead of failing the run.</summary>
    private static async Task<TimeSpan?> Optional(Task<TimeSpan> wait)
    {
        try
        {
            return await wait;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    /// <summary>
    /// Null when the page ends up showing every series' last value (ingestion is done by then, so it should within a
    /// render or two); else what it shows, and whether the server's live state has the values (GET /api/readings/latest).
    /// </summary>
    private async Task<string?> LastValuesShownAsync(PublishLog log, LivePhase phase)
    {
        var expected = LastValues(log, phase);
        if (await _browser.ShowsReadingsAsync(expected, TimeSpan.FromSeconds(30)) is not { } problem)
        {
            return null;
        }

        using var http = _app.CreateHttpClient(TimeSpan.FromSeconds(30));
        using var latest = JsonDocument.Parse(await http.GetStringAsync("api/readings/latest", _token));
        var server = latest.RootElement.EnumerateArray().ToDictionary(
            r => r.GetProperty("topic").GetString() ?? "", r => r.GetProperty("value").GetDouble().ToString(CultureInfo.InvariantCulture), StringComparer.Ordinal);
        var serverHas = expected.Count(e => server.TryGetValue($"{e.Key.Device}/{e.Key.Metric}", out var v) && v == e.Value);
        return $"{problem}; the server's /api/readings/latest has the last value of {serverHas} of {expected.Count} series";
    }

    /// <summary>The last value published on each series, as the card should show it at the end.</summary>
    private Dictionary<(string Device, string Metric), string> LastValues(PublishLog log, LivePhase phase)
    {
        var last = new Dictionary<(string, string), string>();
        for (var device = 0; device < _options.Devices; device++)
        {
            for (var metric = 0; metric < LiveValues.Metrics.Length; metric++)
            {
                var count = log.Count(LiveValues.Series(device, metric));
                if (count > 0)
                {
                    last[(LiveValues.DeviceId(device), LiveValues.Metrics[metric])] = LiveValues.Value(phase, count - 1).ToString(CultureInfo.InvariantCulture);
                }
            }
        }

        return last;
    }

    /// <summary>Matches what the page showed with when it was published: the first time each distinct value appeared.</summary>
    private UiResult Match(List<SeenReading> seen, LivePhase phase, PublishLog log, string? problem)
    {
        var first = new Dictionary<(int Series, int Sequence), SeenReading>();
        var foreign = 0;
        foreach (var reading in seen)
        {
            if (!_deviceIndex.TryGetValue(reading.Device, out var device) || Array.IndexOf(LiveValues.Metrics, reading.Metric) is var metric && metric < 0
                || !int.TryParse(reading.Text.Trim(), CultureInfo.InvariantCulture, out var value) || LiveValues.Sequence(phase, value) is var sequence && sequence < 0)
            {
                foreign++; // another phase's value still on screen, or not one of the bench's
                continue;
            }

            first.TryAdd((LiveValues.Series(device, metric), sequence), reading);
        }

        var dom = new List<double>();
        var frame = new List<double>();
        foreach (var ((series, sequence), reading) in first)
        {
            if (log.Time(series, sequence) is { } published)
            {
                dom.Add(reading.DomTime - published);
                if (reading.FrameTime > 0)
                {
                    frame.Add(reading.FrameTime - published);
                }
            }
        }

        return new UiResult(log.Total, first.Count, foreign, Distribution.Of(dom), Distribution.Of(frame), problem);
    }

    /// <summary>(series, metric) of a bench/dev-NN/metric topic, or (-1, -1).</summary>
    private (int Series, int Metric) Parse(string topic)
    {
        var slash = topic.LastIndexOf('/');
        return slash > 0 && _deviceIndex.TryGetValue(topic[..slash], out var device) && Array.IndexOf(LiveValues.Metrics, topic[(slash + 1)..]) is var metric && metric >= 0
            ? (LiveValues.Series(device, metric), metric)
            : (-1, -1);
    }

    /// <summary>
    /// The rate a counter kept while it was busy: from the first $SYS sample after the start to the last one taken
    /// before it reached its final value, so neither the start-up nor the tail is averaged in. With fewer than two
    /// such samples (a short run), the whole span from <paramref name="before"/> to the final value.
    /// </summary>
    private static double SustainedRate(SysSample before, List<SysSample> samples, Func<SysSample, long> counter)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        var final = counter(samples[^1]);
        var busy = samples.Where(s => counter(s) < final).ToList();
        var (from, to) = busy.Count >= 2 ? (busy[0], busy[^1]) : (before, samples.First(s => counter(s) == final));
        var seconds = Stopwatch.GetElapsedTime(from.Timestamp, to.Timestamp).TotalSeconds;
        return seconds > 0 ? (counter(to) - counter(from)) / seconds : double.NaN;
    }

    /// <summary>Seconds from the first sample to the first one where the counter reached <paramref name="value"/>.</summary>
    private static double FirstAt(List<SysSample> samples, Func<SysSample, long> counter, long value) =>
        samples.Count == 0 ? double.NaN : Stopwatch.GetElapsedTime(samples[0].Timestamp, samples.First(s => counter(s) >= value).Timestamp).TotalSeconds;

    /// <summary>One line per $SYS refresh during the flood: what the broker received and ingestion read per second, the backlog and memory.</summary>
    private static List<string> Timeline(long start, SysSample before, List<SysSample> samples)
    {
        var lines = new List<string>();
        var previous = before;
        foreach (var s in samples)
        {
            var seconds = Stopwatch.GetElapsedTime(previous.Timestamp, s.Timestamp).TotalSeconds;
            lines.Add(string.Format(CultureInfo.InvariantCulture,
                "  t={0,5:F1} s  broker {1,8:N0} msg/s  ingestion {2,8:N0} ev/s  backlog {3,7:N0}  dropped {4,7:N0}  heap {5,6:F0} MiB  RSS {6,6:F0} MiB",
                Stopwatch.GetElapsedTime(start, s.Timestamp).TotalSeconds, (s.Received - previous.Received) / seconds, (s.Processed - previous.Processed) / seconds,
                s.Backlog, s.IngestionDropped - before.IngestionDropped, s.HeapMiB, s.RssMiB));
            previous = s;
        }

        return lines;
    }

    private static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
}
