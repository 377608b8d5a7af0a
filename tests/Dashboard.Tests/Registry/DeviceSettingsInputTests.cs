using System.Text.Json;
using Dashboard.Devices;
using Dashboard.Registry;

namespace Dashboard.Tests.Registry;

public sealed class DeviceSettingsInputTests
{
    private static readonly DeviceSettings Named = new("Kitchen", "Ground floor", false, TimeSpan.FromMinutes(5),
        new Dictionary<string, MetricSettings> { ["temperature"] = new("Temp", "°C") });

    private static (DeviceSettings? Settings, Dictionary<string, string[]> Errors) Patch(DeviceSettings settings, string json)
    {
        var input = DeviceSettingsInput.From(settings);
        var errors = input.Patch(JsonDocument.Parse(json).RootElement);
        return errors.Count > 0 ? (null, errors) : input.Validate();
    }

    [Fact]
    public void A_patch_changes_what_it_names_and_keeps_the_rest()
    {
        var (settings, _) = Patch(Named, """{"displayName": "  Kitchen sensor ", "hidden": true, "metrics": {"humidity": {"displayName": "RH", "unit": "%"}}}""");

        Assert.Equal(("Kitchen sensor", "Ground floor", true, TimeSpan.FromMinutes(5)),
            (settings!.DisplayName, settings.Group, settings.Hidden, settings.ExpectedEvery));
        Assert.Equal(new MetricSettings("Temp", "°C"), settings.Metrics["temperature"]);
        Assert.Equal(new MetricSettings("RH", "%"), settings.Metrics["humidity"]);
    }

    [Fact]
    public void Null_clears_a_field_and_removes_a_metric_s_settings()
    {
        var (settings, _) = Patch(Named, """{"displayName": null, "group": "", "expectedEverySeconds": null, "metrics": {"temperature": null}}""");

        Assert.Equal(DeviceSettings.None with { Metrics = settings!.Metrics }, settings);
        Assert.Empty(settings.Metrics);
    }

    [Theory]
    [InlineData("""{"name": "x"}""", "name")]
    [InlineData("""{"hidden": "yes"}""", "hidden")]
    [InlineData("""{"expectedEverySeconds": 0}""", "expectedEverySeconds")]
    [InlineData("""{"expectedEverySeconds": 604801}""", "expectedEverySeconds")]
    [InlineData("""{"expectedEverySeconds": 1e12}""", "expectedEverySeconds")]
    [InlineData("""{"displayName": "line\nbreak"}""", "displayName")]
    [InlineData("""{"metrics": {"temperature": {"unit": "degrees celsius, really"}}}""", "metrics.temperature.unit")]
    [InlineData("""{"metrics": {"temperature": 5}}""", "metrics.temperature")]
    [InlineData("[1]", "")]
    public void Bad_input_is_refused_naming_the_field(string json, string field)
    {
        var (settings, errors) = Patch(Named, json);

        Assert.Null(settings);
        Assert.Contains(field, errors.Keys);
    }

    [Fact]
    public void A_name_too_long_is_refused()
    {
        var (settings, errors) = Patch(Named, $$"""{"displayName": "{{new string('x', DeviceSettingsInput.MaxName + 1)}}"}""");

        Assert.Null(settings);
        Assert.Equal(["A name is at most 100 characters."], errors["displayName"]);
    }
}
