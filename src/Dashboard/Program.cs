using Dashboard.Accounts;
using Dashboard.Alerts;
using Dashboard.Backups;
using Dashboard.Boards;
using Dashboard.Broker;
using Dashboard.BrokerAdmin;
using Dashboard.Clients;
using Dashboard.Components;
using Dashboard.Controls;
using Dashboard.DeviceMapping;
using Dashboard.EventLog;
using Dashboard.Health;
using Dashboard.History;
using Dashboard.Ingestion;
using Dashboard.Live;
using Dashboard.Monitoring;
using Dashboard.Registry;
using Dashboard.RetainedMessages;
using Dashboard.ScaleOut;
using Dashboard.Storage;

AppRun.ExitOnInvalidConfiguration(); // a setting out of range: one line naming it and exit code 1, not a stack trace

// appsettings.json and wwwroot from the current directory, or from the app's folder when started elsewhere.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppFolder.ContentRoot() });

builder.AddStorage();
builder.AddScaleOut(); // with Redis: sign-in keys shared by the instances, and the one that runs the periodic jobs
builder.AddBroker<DashboardDbContext>();
builder.AddIngestion();
builder.AddDeviceMapping(); // the user's mapping rules from Settings, handed to ingestion
builder.AddLive();
builder.AddRegistry(); // after storage: it restores the devices once the database is migrated
builder.AddHistory();
builder.AddAlerts();
builder.AddControls(); // devices' controls and commands with their round trip; POST /api/publish
builder.AddBoards(); // boards of tiles, and kiosk links that open one read-only on a wall tablet
builder.AddHealth();
builder.AddMonitoring(); // GET /metrics, Prometheus format
builder.AddBackups(); // snapshots of the database: downloads and, when configured, a schedule
builder.AddEventLog(); // refused connections, ACL denials and admin actions, with retention
builder.AddClients(); // connected clients and sessions for admins: disconnect, end a session, ban
builder.AddRetainedMessages(); // retained messages for admins: list, search, delete
builder.AddAccounts(); // dashboard login, roles and API keys: every page, API and hub needs one
builder.AddDashboardUi();

// SIGTERM (docker stop, systemd) must end the process within 10 s whatever the state: every hosted service's StopAsync
// honours this token, and disposal gets the rest.
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(7));

var app = builder.Build();

// Middleware, in the order a request meets it (docs/architecture.md).
if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler(new ExceptionHandlerOptions
    {
        ExceptionHandlingPath = "/error",
        CreateScopeForErrors = true,
        // A body over Kestrel's limit is the client's error (413), not the server's.
        StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
    });
}

app.UseMqttWebSocketPorts();
// Before authentication: a write or hub request from another origin is refused on its headers alone, before its sign-in
// cookie is read (or renewed); after the port filter, which alone answers MQTT over WebSockets (any page may use that).
app.UseSameOriginRequests();
app.UseAuthentication();
// A kiosk link's browser counts as signed in on /_blazor only, and only while its link exists (Boards/KioskAuthentication).
app.UseKioskCircuits();
app.UseAuthorization();
app.UseAntiforgery();

app.MapBroker();
app.MapBrokerAdmin();
app.MapAccounts();
app.MapHealth();
app.MapMonitoring();
app.MapBackups();
app.MapEventLog();
app.MapClients();
app.MapRetainedMessages();
app.MapLive();
app.MapRegistry();
app.MapDeviceMapping();
app.MapHistory();
app.MapAlerts();
app.MapControls();
app.MapBoards();
app.MapDashboardUi();

return app.RunOrExplain(); // a port in use: one line that says which, and exit code 1

/// <summary>The entry point, visible to WebApplicationFactory in the integration tests.</summary>
public partial class Program;
