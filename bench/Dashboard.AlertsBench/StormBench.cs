using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dashboard.Alerts;
using Dashboard.Bench;
using MQTTnet;
using MQTTnet.Protocol;

namespace Dashboard.AlertsBench;

/// <summary>
/// An alert storm against the built app, as its own process: a rule on <c>#</c> &gt; 0, then <c>--topics</c> distinct
/// topics above it. Prints the app's RSS, its CPU at rest afterwards, the Alerts page's and <c>/api/alerts</c>'s load
/// times, and how long SIGTERM takes to stop it. Every wait is bounded; only the process it started is signalled.
/// </summary>
internal static partial class StormBench
{
    private const int Publishers = 4;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(180);

    public static async Task<int> RunAsync(string[] args)
    {
        var topics = IntOption(args, "--topics", 80_000);
        var idleSeconds = IntOption(args, "--idle-seconds", 10);
        var dll = Option(args, "--dashboard-dll") ?? Path.Combine(RepoRoot(), "src/Dashboard/bin/Release/net10.0/Dashboard.dll");
        if (!File.Exists(dll))
        {
            Console.Error.WriteLine($"{dll} not found: build it first, dotnet build src/Dashboard -c Release");
            return 2;
        }

        var environment = args.Zip(args.Skip(1)).Where(p => p.First == "--env").Select(p => p.Second.Split('=', 2))
            .Select(kv => KeyValuePair.Create(kv[0], kv[1])).ToList();
        var temp = Directory.CreateTempSubdirectory("alerts-storm-");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        try
        {
            await using var app = await BrokerProcess.StartDashboardAsync(dll, environment, temp.FullName, cancel.Token);
            Console.WriteLine($"Alert storm: {topics:N0} topics, 1 rule on # > 0; {Environment.ProcessorCount} cores, load {LoadAverage()}");
            Console.WriteLine($"  app: {app.Settings}");
            Console.WriteLine($"  RSS at start                     {app.RssMiB(),8:F0} MiB");
            using var api = app.CreateHttpClient(TimeSpan.FromSeconds(60));
            var created = await api.PostAsJsonAsync("api/alert-rules", new { name = "Anything above zero", filter = "#", @operator = ">", threshold = 0 }, cancel.Token);
            created.EnsureSuccessStatusCode();
            var ruleId = (await created.Content.ReadFromJsonAsync<AlertRuleDto>(cancel.Token))!.Id;

            var watch = Stopwatch.StartNew();
            await PublishAsync(app.MqttPort, topics, cancel.Token);
            var published = watch.Elapsed;
            var (open, more) = await SettledAsync(api, ruleId, cancel.Token);
            Console.WriteLine($"  published in {published.TotalSeconds:F1} s; settled after {watch.Elapsed.TotalSeconds:F1} s: {open:N0} open alerts, and {more:N0} more series in the overflow");
            Console.WriteLine($"  RSS after the storm              {app.RssMiB(),8:F0} MiB (peak {app.PeakRssMiB():F0} MiB)");

            var before = app.CpuTime();
            var idle = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(idleSeconds), cancel.Token);
            var used = app.CpuTime() - before;
            Console.WriteLine($"  CPU at rest over {idleSeconds} s            {used.Total.TotalSeconds / idle.Elapsed.TotalSeconds * 100,8:F1} % of a core (user {used.User.TotalSeconds:F2} s, system {used.System.TotalSeconds:F2} s)");

            using var browser = await SignedInAsync(app.HttpPort, cancel.Token);
            var (pageFirst, pageMedian, pageBytes) = await TimeAsync(browser, "alerts", cancel.Token);
            var (apiFirst, apiMedian, apiBytes) = await TimeAsync(api, $"api/alerts?rule={ruleId}", cancel.Token);
            Console.WriteLine($"  GET /alerts (signed in)          {pageFirst,8:F0} ms first, {pageMedian:F0} ms median of 5 ({pageBytes / 1024.0:F0} KiB)");
            Console.WriteLine($"  GET /api/alerts (first page)     {apiFirst,8:F0} ms first, {apiMedian:F0} ms median of 5 ({apiBytes / 1024.0:F0} KiB)");
            Console.WriteLine($"  RSS after the page loads         {app.RssMiB(),8:F0} MiB (peak {app.PeakRssMiB():F0} MiB)");

            var stop = Stopwatch.StartNew();
            using (var kill = Process.Start("kill", ["-TERM", app.Pid.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(cancel.Token);
            }

            using var process = Process.GetProcessById(app.Pid);
            using var stopPatience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(stopPatience.Token);
                Console.WriteLine($"  SIGTERM → exit                   {stop.Elapsed.TotalSeconds,8:F1} s");
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine("  SIGTERM → exit                   NOT within 60 s (killed)");
            }

            var problems = app.LoggedProblems();
            Console.WriteLine($"  the app logged {problems.Count} warnings or errors{(problems.Count > 0 ? ":" : "")}");
            foreach (var problem in problems.Take(10))
            {
                Console.WriteLine($"    {problem}");
            }

            return 0;
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    /// <summary>Each topic once, value 1, QoS 1, from <see cref="Publishers"/> clients in parallel.</summary>
    private static async Task PublishAsync(int mqttPort, int topics, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, Publishers), cancellationToken, async (publisher, token) =>
        {
            using var client = new MqttClientFactory().CreateMqttClient();
            await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", mqttPort).WithClientId($"storm-{publisher}").Build(), token);
            for (var i = publisher; i < topics; i += Publishers)
            {
                await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"storm/{i / 1000}/sensor{i}/value").WithPayload("1")
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), token);
            }

            await client.DisconnectAsync(cancellationToken: token);
        });
    }

    /// <summary>Waits until the rule's open alerts and overflow have not changed for 3 s (ingestion has read everything).</summary>
    private static async Task<(int Open, int More)> SettledAsync(HttpClient api, long ruleId, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        (int, int) last = (-1, -1);
        var stable = Stopwatch.StartNew();
        while (deadline.Elapsed < Patience)
        {
            var page = (await api.GetFromJsonAsync<AlertPageDto>($"api/alerts?rule={ruleId}&state=active&limit=1", cancellationToken))!;
            (int, int) now = (page.Total, page.Overflow.Sum(o => o.MoreSeries));
            if (now != last)
            {
                (last, stable) = (now, Stopwatch.StartNew());
            }
            else if (stable.Elapsed > TimeSpan.FromSeconds(3))
            {
                return last;
            }

            await Task.Delay(250, cancellationToken);
        }

        throw new TimeoutException($"The storm did not settle within {Patience.TotalSeconds} s");
    }

    private static async Task<(double FirstMs, double MedianMs, long Bytes)> TimeAsync(HttpClient http, string path, CancellationToken cancellationToken)
    {
        var times = new List<double>();
        long bytes = 0;
        for (var i = 0; i < 6; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await http.GetAsync(path, cancellationToken);
            response.EnsureSuccessStatusCode();
            bytes = (await response.Content.ReadAsByteArrayAsync(cancellationToken)).Length;
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        var rest = times.Skip(1).Order().ToList();
        return (times[0], rest[rest.Count / 2], bytes);
    }

    /// <summary>A cookie client signed in through the sign-in form, as a browser is.</summary>
    private static async Task<HttpClient> SignedInAsync(int httpPort, CancellationToken cancellationToken)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/"),
            Timeout = TimeSpan.FromSeconds(120),
        };
        var login = await http.GetStringAsync("account/login", cancellationToken);
        var token = AntiforgeryToken().Match(login);
        using var signedIn = await http.PostAsync("account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            ["Input.Username"] = BrokerProcess.AdminUser,
            ["Input.Password"] = BrokerProcess.AdminPassword,
        }), cancellationToken);
        if (signedIn.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Sign-in answered {signedIn.StatusCode}");
        }

        return http;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    private static string? Option(string[] args, string name) =>
        args.Zip(args.Skip(1)).Where(p => p.First == name).Select(p => p.Second).LastOrDefault();

    private static int IntOption(string[] args, string name, int fallback) =>
        Option(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dashboard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Run from within the repository, or pass --dashboard-dll");
    }
}
