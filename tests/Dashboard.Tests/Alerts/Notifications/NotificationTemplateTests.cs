using System.Text.Json;
using Dashboard.Alerts.Notifications;

namespace Dashboard.Tests.Alerts.Notifications;

public sealed class NotificationTemplateTests
{
    private static readonly Dictionary<string, string> Fields = new()
    {
        ["rule"] = "Too hot",
        ["device"] = "home/livingroom",
        ["metric"] = "temperature",
        ["value"] = "26.5",
        ["state"] = "active",
        ["time"] = "2026-12-02T10:00:00Z",
        ["message"] = "home/livingroom/temperature is 26.5 (> 25)",
        ["json"] = """{"event":"raised"}""",
    };

    [Theory]
    [InlineData("{{rule}}: {{device}} {{metric}} = {{value}} ({{state}}) at {{time}}", "Too hot: home/livingroom temperature = 26.5 (active) at 2026-12-02T10:00:00Z")]
    [InlineData("{{ rule }} / {{RULE}}", "Too hot / Too hot")]
    [InlineData("no placeholders", "no placeholders")]
    [InlineData("{{topic}}|{{value}}", "|26.5")]
    [InlineData("{{json}}", """{"event":"raised"}""")]
    public void Placeholders_are_filled_in(string template, string expected) =>
        Assert.Equal(expected, NotificationTemplate.Render(template, Fields, TemplateEscape.None));

    [Fact]
    public void In_a_json_body_values_are_escaped_so_the_body_stays_json()
    {
        var fields = new Dictionary<string, string>(Fields) { ["message"] = "said \"hot\"\nnew line \\ <tag>" };

        var body = NotificationTemplate.Render("""{"text": "{{message}}", "raw": {{json}}}""", fields, TemplateEscape.Json);

        using var json = JsonDocument.Parse(body);
        Assert.Equal("said \"hot\"\nnew line \\ <tag>", json.RootElement.GetProperty("text").GetString());
        Assert.Equal("raised", json.RootElement.GetProperty("raw").GetProperty("event").GetString());
    }

    [Fact]
    public void In_a_topic_wildcards_become_dashes_and_levels_stay()
    {
        var fields = new Dictionary<string, string>(Fields) { ["rule"] = "a+b#c$" };

        Assert.Equal("alerts/a-b-c-/home/livingroom", NotificationTemplate.Render("alerts/{{rule}}/{{device}}", fields, TemplateEscape.Topic));
    }

    [Theory]
    [InlineData("{{rule}} {{nope}}", "Unknown placeholder {{nope}}")]
    [InlineData("{{a}}{{b}}{{a}}", "Unknown placeholders {{a}}, {{b}}")]
    public void Unknown_placeholders_are_named(string template, string start) =>
        Assert.StartsWith(start, NotificationTemplate.Problem(template));

    [Theory]
    [InlineData("{{rule}} {{device}} {{metric}} {{value}} {{state}} {{time}} {{message}}")]
    [InlineData("{ not a placeholder } {{ }}")]
    public void Known_placeholders_and_plain_braces_are_fine(string template) => Assert.Null(NotificationTemplate.Problem(template));
}
