using Bunit;
using Dashboard.Alerts;
using Dashboard.Alerts.Notifications;
using Dashboard.Components.Alerts;
using Dashboard.Live;
using Dashboard.ScaleOut;
using Dashboard.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace Dashboard.Tests.Alerts;

/// <summary>The rule form with the real alert service over a real SQLite file.</summary>
public sealed class AlertRuleFormTests : BunitContext, IAsyncLifetime
{
    private readonly string _database = Path.Combine(Path.GetTempPath(), "dashboard-tests", $"{Guid.NewGuid():N}.db");
    private readonly List<AlertRule> _saved = [];

    public AlertRuleFormTests()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_database)!);
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddLogging();
        Services.AddSingleton(Options.Create(new AlertsOptions()));
        Services.AddSingleton(Options.Create(new LiveOptions()));
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<LiveFeed>();
        Services.AddSingleton<LiveState>();
        Services.AddSingleton<AlertOutbox>();
        Services.AddSingleton<AlertFeed>();
        Services.AddMetrics();
        Services.AddSingleton<Dashboard.Broker.Metrics.BrokerMetrics>();
        Services.AddSingleton(Options.Create(new Dashboard.Broker.Events.BrokerEventChannelOptions { Capacity = 10 }));
        Services.AddSingleton<Dashboard.Broker.Events.BrokerEventChannel>();
        Services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        Services.AddSingleton<Dashboard.Alerts.Health.HealthSampler>();
        Services.AddSingleInstance();
        Services.AddSingleton<AlertEngine>();
        Services.AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider());
        Services.AddSingleton<NotificationChannels>();
        Services.AddSingleton<AlertService>();
        Services.AddDbContext<DashboardDbContext>(o => o.UseSqlite($"Data Source={_database}"));
        using var scope = Services.GetRequiredService<IServiceScopeFactory>().CreateScope();
        scope.ServiceProvider.GetRequiredService<DashboardDbContext>().Database.Migrate();
    }

    private AlertService Alerts => Services.GetRequiredService<AlertService>();

    private IRenderedComponent<AlertRuleForm> RenderForm(AlertRule? rule = null) =>
        Render<AlertRuleForm>(p => p.Add(f => f.Rule, rule).Add(f => f.OnSaved, saved => _saved.Add(saved)));

    private static string Field(IRenderedComponent<AlertRuleForm> form, string name) => form.Find($".rule-{name}").TextContent;

    private static void Type(IRenderedComponent<AlertRuleForm> form, string field, string text) => form.Find($".rule-{field} input").Input(text);

    private static void Save(IRenderedComponent<AlertRuleForm> form) => form.Find(".rule-save").Click();

    [Fact]
    public void Saving_an_empty_form_names_each_missing_field_and_saves_nothing()
    {
        var form = RenderForm();
        Assert.DoesNotContain("is needed", form.Markup); // no scolding before the first attempt

        Save(form);

        form.WaitForAssertion(() => Assert.Contains("Give the rule a name.", Field(form, "name")));
        Assert.Contains("A topic filter is needed, e.g. home/+/temperature.", Field(form, "filter"));
        Assert.Contains("The threshold is needed.", Field(form, "threshold"));
        Assert.Contains("3 fields need a look", form.Find(".rule-errors").TextContent);
        Assert.Empty(_saved);
        Assert.Empty(Alerts.Rules());
    }

    [Fact]
    public void A_bad_filter_a_NaN_threshold_and_text_for_a_number_each_get_a_clear_message()
    {
        var form = RenderForm();
        Type(form, "name", "Too hot");
        Type(form, "filter", "a/#/b");
        Type(form, "threshold", "NaN");
        Type(form, "for", "ten");

        Save(form);

        form.WaitForAssertion(() => Assert.Contains("'a/#/b' is not a valid topic filter", Field(form, "filter")));
        Assert.Contains("The threshold must be a finite number, not NaN.", Field(form, "threshold"));
        Assert.Contains("Enter a number, like 25 or -3.5", Field(form, "for"));
        Assert.DoesNotContain("Give the rule a name", form.Markup);
        Assert.Empty(Alerts.Rules());
    }

    [Fact]
    public void After_a_failed_save_the_messages_follow_each_fix()
    {
        var form = RenderForm();
        Type(form, "name", "Too hot");
        Type(form, "filter", "home/+/temp#");
        Type(form, "threshold", "25");
        Save(form);
        form.WaitForAssertion(() => Assert.Contains("is not a valid topic filter", Field(form, "filter")));

        Type(form, "filter", "home/+/temperature");

        form.WaitForAssertion(() => Assert.DoesNotContain("is not a valid topic filter", Field(form, "filter")));
        Assert.Empty(form.FindAll(".rule-errors"));
    }

    [Fact]
    public void A_valid_rule_is_saved_stored_and_handed_back()
    {
        var form = RenderForm();
        Type(form, "name", "Living room too hot");
        Type(form, "filter", "home/+/temperature");
        Type(form, "threshold", "25");
        Type(form, "hysteresis", "0.5");
        Type(form, "for", "10");

        Save(form);

        form.WaitForAssertion(() => Assert.Single(_saved));
        var rule = _saved[0];
        Assert.Equal(("Living room too hot", "> 25 for 10 s (clears at 24.5)"), (rule.Name, rule.DescribeCondition()));
        Assert.Equal(rule, Assert.Single(Alerts.Rules()));
        using var scope = Services.GetRequiredService<IServiceScopeFactory>().CreateScope();
        Assert.Equal("Living room too hot", scope.ServiceProvider.GetRequiredService<DashboardDbContext>().Set<AlertRuleEntity>().Single().Name);
    }

    [Fact]
    public async Task Editing_fills_the_form_and_another_rules_name_is_refused()
    {
        await Alerts.CreateAsync(new AlertRuleInput { Name = "Kitchen", Filter = "home/kitchen/#", Operator = ">", Threshold = 30 });
        var edited = (await Alerts.CreateAsync(new AlertRuleInput { Name = "Cellar", Filter = "home/cellar/#", Operator = "outside", Low = 5, High = 15 })).Rule!;
        var form = RenderForm(edited);
        Assert.Equal("Cellar", form.Find(".rule-name input").GetAttribute("value"));
        Assert.Equal("5", form.Find(".rule-low input").GetAttribute("value"));
        Assert.Equal("15", form.Find(".rule-high input").GetAttribute("value"));

        Type(form, "name", "kitchen");
        form.Render(p => p.Add(f => f.Rule, edited)); // the dialog re-rendering must not undo the typing
        Assert.Equal("kitchen", form.Find(".rule-name input").GetAttribute("value"));
        Save(form);

        form.WaitForAssertion(() => Assert.Contains("Another rule is already called 'kitchen'.", Field(form, "name")));
        Assert.Empty(_saved);
    }

    [Fact]
    public async Task A_presence_rule_asks_for_devices_and_an_offline_time_only()
    {
        var rule = (await Alerts.CreateAsync(new AlertRuleInput { Kind = "presence", Name = "Offline", Filter = "home/+", ForSeconds = 30 })).Rule!;

        var form = RenderForm(rule);

        Assert.Contains("Devices", Field(form, "filter"));
        Assert.Contains("Offline for more than", Field(form, "for"));
        Assert.Empty(form.FindAll(".rule-threshold"));
        Assert.Empty(form.FindAll(".rule-metric"));
        Assert.Empty(form.FindAll(".rule-operator"));
    }

    [Fact]
    public async Task A_health_rule_asks_for_its_count_and_window_and_saves_an_edit()
    {
        var rule = (await Alerts.CreateAsync(new AlertRuleInput { Kind = "health", Name = "Failed logins", Signal = "failed-logins", Threshold = 10, WindowSeconds = 300 })).Rule!;

        var form = RenderForm(rule);

        Assert.Contains("logins fail", Field(form, "signal"));
        Assert.Contains("More than", Field(form, "threshold"));
        Assert.Equal("300", form.Find(".rule-window input").GetAttribute("value"));
        Assert.Empty(form.FindAll(".rule-filter"));
        Assert.Empty(form.FindAll(".rule-metric"));
        Assert.Empty(form.FindAll(".rule-operator"));

        Type(form, "window", "0");
        Save(form);
        form.WaitForAssertion(() => Assert.Contains("from 1 to 86400", Field(form, "window")));

        Type(form, "window", "60");
        Save(form);
        form.WaitForAssertion(() => Assert.Equal(TimeSpan.FromMinutes(1), Assert.Single(_saved).Window));
        Assert.Equal("more than 10 failed logins in 60 s", Alerts.Rule(rule.Id)!.DescribeCondition());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor's select and inputs leave services that can only be disposed asynchronously; xUnit 2 disposes test classes synchronously.
    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}
