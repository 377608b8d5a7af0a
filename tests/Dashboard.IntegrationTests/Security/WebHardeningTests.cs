using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.RegularExpressions;
using Dashboard.Accounts;
using Dashboard.Components.Account;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.IntegrationTests.Security;

/// <summary>
/// Pages of other origins cannot use a visitor's sign-in (writes, hubs), one address cannot lock an account, and the
/// sign-in page never tells whether an account exists. Each test signs in from its own loopback address (127.0.0.x), so
/// the per-address throttle of one never meets another's.
/// </summary>
public sealed class WebHardeningTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    // Another port on the same host is another origin.
    private string ForeignOrigin => $"http://127.0.0.1:{App.WebSocketPort}";

    private string OwnOrigin => $"http://127.0.0.1:{App.HttpPort}";

    [Fact]
    public async Task A_cross_origin_write_with_a_valid_cookie_is_refused_and_changes_nothing()
    {
        using var visitor = new Visitor(App, "127.0.0.21");
        Assert.Equal(HttpStatusCode.Redirect, (await visitor.SignInAsync(DashboardApp.AdminUser, DashboardApp.AdminPassword)).StatusCode);

        var foreignKey = await visitor.SendAsync(HttpMethod.Post, "/api/api-keys", ForeignOrigin, JsonContent.Create(new { name = "made cross-origin", role = "Admin" }));
        var foreignAck = await visitor.SendAsync(HttpMethod.Post, "/api/alerts/424242/ack", ForeignOrigin);
        var foreignDelete = await visitor.SendAsync(HttpMethod.Delete, "/api/alert-rules/424242", "null");
        Assert.Equal(HttpStatusCode.Forbidden, foreignKey.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, foreignAck.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, foreignDelete.StatusCode);

        // The same cookie from the dashboard's own pages (and with no Origin at all) goes through.
        var ownKey = await visitor.SendAsync(HttpMethod.Post, "/api/api-keys", OwnOrigin, JsonContent.Create(new { name = "made same-origin", role = "Viewer" }));
        var ownAck = await visitor.SendAsync(HttpMethod.Post, "/api/alerts/424242/ack", OwnOrigin);
        Assert.Equal(HttpStatusCode.Created, ownKey.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, ownAck.StatusCode); // reached the endpoint: no such alert
        Assert.Equal(HttpStatusCode.OK, (await visitor.SendAsync(HttpMethod.Get, "/api/devices", ForeignOrigin)).StatusCode); // reads are not writes

        using var admin = App.CreateHttpClient();
        var keys = await admin.GetStringAsync("/api/api-keys");
        Assert.Contains("made same-origin", keys, StringComparison.Ordinal);
        Assert.DoesNotContain("made cross-origin", keys, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_hubs_refuse_another_origin_for_negotiate_and_websocket()
    {
        using var visitor = new Visitor(App, "127.0.0.22");
        Assert.Equal(HttpStatusCode.Redirect, (await visitor.SignInAsync(DashboardApp.AdminUser, DashboardApp.AdminPassword)).StatusCode);
        var url = new Uri(App.HttpBase, "hubs/telemetry");

        await using (var foreign = new HubConnectionBuilder().WithUrl(url, o => { o.Cookies = visitor.Cookies; o.Headers["Origin"] = ForeignOrigin; }).Build())
        {
            var refused = await Assert.ThrowsAsync<HttpRequestException>(() => foreign.StartAsync());
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        // Straight to the WebSocket, skipping negotiate: refused at the upgrade.
        Assert.Equal(HttpStatusCode.Forbidden, await WebSocketStatusAsync("hubs/telemetry", visitor.Cookies, ForeignOrigin));
        Assert.Equal(HttpStatusCode.Forbidden, await WebSocketStatusAsync("_blazor", visitor.Cookies, ForeignOrigin));
        Assert.Equal(HttpStatusCode.Forbidden, (await visitor.SendAsync(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1", ForeignOrigin)).StatusCode);

        await using var own = new HubConnectionBuilder().WithUrl(url, o => { o.Cookies = visitor.Cookies; o.Headers["Origin"] = OwnOrigin; }).Build();
        await own.StartAsync();
        Assert.Equal(HubConnectionState.Connected, own.State);
    }

    [Fact]
    public async Task An_api_key_without_origin_still_writes_and_streams()
    {
        using var script = App.CreateHttpClient();
        Assert.Equal(HttpStatusCode.Created, (await script.PostAsJsonAsync("/api/api-keys", new { name = "from a script", role = "Viewer" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await script.PostAsync("/api/alerts/424242/ack", null)).StatusCode);

        await using var hub = new HubConnectionBuilder().WithUrl(new Uri(App.HttpBase, "hubs/telemetry"), o => o.Headers[ApiKeys.Header] = App.AdminApiKey).Build();
        await hub.StartAsync();
        Assert.Equal(HubConnectionState.Connected, hub.State);
    }

    [Fact]
    public async Task One_address_is_throttled_before_it_can_lock_the_account()
    {
        await App.CreateAccountAsync("victim", "victim password", DashboardRoles.Viewer);
        var throttle = App.Services.GetRequiredService<SignInThrottle>();
        Assert.True(throttle.FailuresPerAddress < 5); // Dashboard:MaxFailedSignIns

        using var attacker = new Visitor(App, "127.0.0.23");
        for (var attempt = 1; attempt <= throttle.FailuresPerAddress; attempt++)
        {
            var wrong = await attacker.SignInAsync("victim", $"guess {attempt}");
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Equal(Login.FailedMessage, await ErrorAsync(wrong));
        }

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            // Refused without a password check: not even the right one, nor another account, counts.
            var throttled = await attacker.SignInAsync(attempt == 2 ? "someone else" : "victim", attempt == 3 ? "victim password" : "another guess");
            Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
            Assert.Matches("^Too many sign-in attempts from your address; try again in [1-5] minutes?\\.$", await ErrorAsync(throttled));
        }

        await using (var scope = App.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            var victim = (await users.FindByNameAsync("victim"))!;
            Assert.Equal(throttle.FailuresPerAddress, await users.GetAccessFailedCountAsync(victim));
            Assert.False(await users.IsLockedOutAsync(victim));
        }

        // The account's owner, elsewhere, signs in at once.
        using var owner = new Visitor(App, "127.0.0.24");
        Assert.Equal(HttpStatusCode.Redirect, (await owner.SignInAsync("victim", "victim password")).StatusCode);
    }

    [Fact]
    public async Task A_locked_account_and_an_unknown_username_get_the_same_answer()
    {
        await App.CreateAccountAsync("frozen", "locked password", DashboardRoles.Viewer);
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            var user = (await users.FindByNameAsync("frozen"))!;
            await users.SetLockoutEndDateAsync(user, DateTimeOffset.UtcNow.AddMinutes(5));
        }

        using var visitor = new Visitor(App, "127.0.0.25");
        var unknown = await visitor.SignInAsync("nobody by this name", "some password");
        var lockedRight = await visitor.SignInAsync("frozen", "locked password");
        var lockedWrong = await visitor.SignInAsync("frozen", "wrong password");

        Assert.Equal(Login.FailedMessage, await ErrorAsync(unknown));
        Assert.Equal(Login.FailedMessage, await ErrorAsync(lockedRight));
        Assert.Equal(Login.FailedMessage, await ErrorAsync(lockedWrong));
        Assert.Equal(unknown.StatusCode, lockedRight.StatusCode);
        Assert.DoesNotContain("locked", await lockedRight.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    private async Task<HttpStatusCode> WebSocketStatusAsync(string path, CookieContainer cookies, string origin)
    {
        using var socket = new ClientWebSocket();
        socket.Options.Cookies = cookies;
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Origin", origin);
        var uri = new UriBuilder(new Uri(App.HttpBase, path)) { Scheme = "ws" }.Uri;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, CancellationToken.None));
        return socket.HttpStatusCode;
    }

    private static async Task<string> ErrorAsync(HttpResponseMessage response)
    {
        var match = Regex.Match(await response.Content.ReadAsStringAsync(), "<p class=\"account-error\" role=\"alert\">([^<]*)</p>");
        Assert.True(match.Success, "no error on the sign-in page");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    /// <summary>A browser without JavaScript: cookies, the sign-in form with its antiforgery token, from a chosen loopback address.</summary>
    private sealed class Visitor : IDisposable
    {
        private readonly HttpClient _http;

        public Visitor(DashboardApp app, string localAddress)
        {
            var local = IPAddress.Parse(localAddress);
            _http = new HttpClient(new SocketsHttpHandler
            {
                CookieContainer = Cookies,
                AllowAutoRedirect = false,
                ConnectCallback = async (context, cancel) =>
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        socket.Bind(new IPEndPoint(local, 0));
                        await socket.ConnectAsync(context.DnsEndPoint, cancel);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            })
            { BaseAddress = app.HttpBase };
        }

        public CookieContainer Cookies { get; } = new();

        public async Task<HttpResponseMessage> SignInAsync(string user, string password)
        {
            var page = await _http.GetStringAsync("/account/login");
            var token = Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"");
            Assert.True(token.Success, "no antiforgery token on the sign-in page");
            return await _http.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "login",
                ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
                ["Input.Username"] = user,
                ["Input.Password"] = password,
            }));
        }

        public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? origin, HttpContent? content = null)
        {
            var request = new HttpRequestMessage(method, path) { Content = content };
            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }

            return _http.SendAsync(request);
        }

        public void Dispose() => _http.Dispose();
    }
}
