using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Accounts;
using Dashboard.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.IntegrationTests.Security;

/// <summary>Who may use the dashboard's pages, API and hub: signed-in people and API keys, admins for anything that changes state.</summary>
public sealed class DashboardAccessTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private DashboardApp App => fixture.App;

    [Theory]
    [InlineData("/api/devices")]
    [InlineData("/api/readings/latest")]
    [InlineData("/api/readings?topic=a&metric=value")]
    [InlineData("/api/alert-rules")]
    [InlineData("/api/alerts")]
    [InlineData("/api/broker-users")]
    [InlineData("/api/api-keys")]
    public async Task A_stranger_gets_401_from_the_api(string path)
    {
        using var stranger = App.CreateHttpClient(apiKey: null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task A_stranger_cannot_change_anything()
    {
        using var stranger = App.CreateHttpClient(apiKey: null);
        var rule = await stranger.PostAsJsonAsync("/api/alert-rules", new { name = "x", topic = "a/#", @operator = ">", threshold = 1 });
        var user = await stranger.PostAsJsonAsync("/api/broker-users", new { name = "intruder", password = "pw" });
        var key = await stranger.PostAsJsonAsync("/api/api-keys", new { name = "mine", role = "Admin" });

        Assert.Equal(HttpStatusCode.Unauthorized, rule.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, user.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, key.StatusCode);
        using var admin = App.CreateHttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/broker-users/intruder")).StatusCode);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/devices")]
    [InlineData("/topics")]
    [InlineData("/settings")]
    [InlineData("/alerts")]
    public async Task A_stranger_opening_a_page_is_sent_to_the_login_page(string path)
    {
        using var stranger = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = App.HttpBase };
        var response = await stranger.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/account/login?ReturnUrl={Uri.EscapeDataString(path)}", response.Headers.Location!.PathAndQuery);
        Assert.DoesNotContain("Overview", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_and_the_login_page_need_no_sign_in()
    {
        using var stranger = App.CreateHttpClient(apiKey: null);
        Assert.Equal(HttpStatusCode.OK, (await stranger.GetAsync("/healthz")).StatusCode);
        var login = await stranger.GetAsync("/account/login");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("Sign in", await login.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_hub_refuses_a_stranger_and_accepts_an_api_key()
    {
        var url = new Uri(App.HttpBase, "hubs/telemetry");
        await using var stranger = new HubConnectionBuilder().WithUrl(url).Build();
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => stranger.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        var key = await App.CreateApiKeyAsync(DashboardRoles.Viewer, "hub script");
        await using var script = new HubConnectionBuilder().WithUrl(url, o => o.Headers[ApiKeys.Header] = key).Build();
        await script.StartAsync();
        Assert.Equal(HubConnectionState.Connected, script.State);
    }

    [Fact]
    public async Task A_viewer_key_reads_but_gets_403_on_every_change()
    {
        using var viewer = App.CreateHttpClient(await App.CreateApiKeyAsync(DashboardRoles.Viewer, "viewer script"));
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/devices")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/alert-rules")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/alerts")).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("/api/alert-rules", new { name = "x", topic = "a/#", @operator = ">", threshold = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PutAsJsonAsync("/api/alert-rules/1", new { name = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.DeleteAsync("/api/alert-rules/1")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/api/alerts/1/ack", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/api/broker-users")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("/api/broker-users", new { name = "x", password = "pw" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PutAsJsonAsync("/api/broker-acl/anonymous", new { acl = Array.Empty<object>() })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("/api/api-keys", new { name = "escalate", role = "Admin" })).StatusCode);
    }

    [Fact]
    public void Every_api_endpoint_that_changes_state_is_for_admins_only()
    {
        var endpoints = App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true)
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Any(m => m is not ("GET" or "HEAD")) == true)
            .ToList();

        Assert.NotEmpty(endpoints);
        var open = endpoints.Where(e => !e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == DashboardPolicies.Admin))
            .Select(e => e.DisplayName).ToList();
        Assert.Empty(open);
    }

    [Fact]
    public async Task An_api_key_created_through_the_api_works_until_revoked()
    {
        using var admin = App.CreateHttpClient();
        var created = await admin.PostAsJsonAsync("/api/api-keys", new { name = "backup script", role = "Viewer" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var secret = body.GetProperty("secret").GetString()!;
        var id = body.GetProperty("key").GetProperty("id").GetInt64();

        using var script = App.CreateHttpClient(secret);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/devices")).StatusCode);
        var listed = await admin.GetStringAsync("/api/api-keys");
        Assert.Contains("backup script", listed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/api-keys/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync("/api/devices")).StatusCode);
    }

    [Theory]
    [InlineData("dash_not-a-real-key")]
    [InlineData("something else entirely")]
    public async Task A_wrong_api_key_is_401_even_where_a_cookie_would_do(string key)
    {
        using var wrong = App.CreateHttpClient(key);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/devices")).StatusCode);
    }

    [Fact]
    public async Task Api_keys_are_validated()
    {
        using var admin = App.CreateHttpClient();
        var noName = await admin.PostAsJsonAsync("/api/api-keys", new { name = " ", role = "Viewer" });
        var badRole = await admin.PostAsJsonAsync("/api/api-keys", new { name = "x", role = "Root" });
        Assert.Equal(HttpStatusCode.BadRequest, noName.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badRole.StatusCode);
        Assert.Contains("Admin or Viewer", await badRole.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
