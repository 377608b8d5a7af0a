using System.Net;
using System.Text.RegularExpressions;
using Dashboard.IntegrationTests.Infrastructure;
using Dashboard.ScaleOut;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.IntegrationTests.ScaleOut;

/// <summary>Two real dashboard instances on one PostgreSQL database and one Redis, both real servers started for the test.</summary>
public sealed class ScaleOutTests(PostgreSqlServer postgres, RedisServer redis) : IClassFixture<PostgreSqlServer>, IClassFixture<RedisServer>
{
    private async Task<Dictionary<string, string?>> ClusterSettingsAsync() => new()
    {
        ["Storage:Provider"] = "PostgreSQL",
        ["ConnectionStrings:Dashboard"] = await postgres.CreateDatabaseAsync(),
        ["Redis:Configuration"] = redis.Configuration,
    };

    [Fact]
    public async Task A_sign_in_on_one_instance_is_good_on_the_other()
    {
        var settings = await ClusterSettingsAsync();
        await using var first = await DashboardApp.StartAsync(settings: settings);
        await using var second = await DashboardApp.StartAsync(settings: settings);

        // The cookie is encrypted with the key ring in Redis: the other instance reads it (cookies ignore the port).
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false });
        var login = await browser.GetStringAsync(new Uri(first.HttpBase, "account/login"));
        var token = Regex.Match(login, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var signedIn = await browser.PostAsync(new Uri(first.HttpBase, "account/login"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["Input.Username"] = DashboardApp.AdminUser,
            ["Input.Password"] = DashboardApp.AdminPassword,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(new Uri(second.HttpBase, "api/devices"))).StatusCode);
    }

    [Fact]
    public async Task One_instance_at_a_time_runs_the_periodic_jobs_and_another_takes_over_when_it_stops()
    {
        var settings = await ClusterSettingsAsync();
        static bool Elected(DashboardApp app) => app.Services.GetRequiredService<InstanceElection>().IsElected;
        var first = await DashboardApp.StartAsync(settings: settings);
        await using var second = await DashboardApp.StartAsync(settings: settings);
        try
        {
            await DashboardApp.WaitUntilAsync(() => Elected(first), "the first instance elected");
            await Task.Delay(InstanceElection.Renewal * 2); // the second has tried since
            Assert.False(Elected(second));
        }
        finally
        {
            await first.DisposeAsync();
        }

        await DashboardApp.WaitUntilAsync(() => Elected(second), "the second instance elected once the first stopped");
    }
}
