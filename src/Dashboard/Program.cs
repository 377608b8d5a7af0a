using Dashboard.Accounts;
using Dashboard.Alerts;
using Dashboard.Api;
using Dashboard.Broker;
using Dashboard.Components;
using Dashboard.Health;
using Dashboard.History;
using Dashboard.Ingestion;
using Dashboard.Live;
using Dashboard.Storage;

var builder = WebApplication.CreateBuilder(args);

builder.AddStorage();
builder.AddBroker();
builder.AddIngestion();
builder.AddLive();
builder.AddHistory(); // after AddLive: its recorder asks live state for each new series' device
builder.AddAlerts();
builder.AddHealth();
builder.AddAccounts(); // dashboard login, roles and API keys: every page, API and hub needs one
builder.AddDashboardUi();

var app = builder.Build();

app.MapBroker();
app.UseAccounts();
app.MapAccounts();
app.MapHealth();
app.MapLive();
app.MapLiveApi();
app.MapHistoryApi();
app.MapAlerts();
app.MapDashboardUi();

app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in the integration tests.</summary>
public partial class Program;
