using Dashboard.Alerts.Notifications;

namespace Dashboard.Tests.Alerts.Notifications;

public sealed class ChannelValidatorTests
{
    private static ChannelValidation Validate(ChannelInput input, ChannelSecrets? stored = null, params string[] others) =>
        ChannelValidator.Validate(input, stored ?? ChannelSecrets.None, others);

    [Fact]
    public void A_webhook_needs_an_http_url_and_keeps_only_its_own_settings()
    {
        var result = Validate(new ChannelInput
        {
            Name = "ops",
            Kind = "webhook",
            Settings = new ChannelSettings { Url = "https://example.org/hook", Host = "ignored", ChatId = "1" },
        });

        Assert.True(result.IsValid);
        Assert.Equal(("https://example.org/hook", null, null), (result.Settings.Url, result.Settings.Host, result.Settings.ChatId));
        Assert.Equal("'ftp://x' is not an http:// or https:// URL.",
            Validate(new ChannelInput { Name = "x", Kind = "webhook", Settings = new() { Url = "ftp://x" } }).Errors["settings.url"][0]);
    }

    [Fact]
    public void A_secret_left_out_is_kept_an_empty_one_removed_a_new_one_replaces()
    {
        var stored = new ChannelSecrets(new Dictionary<string, string> { ["token"] = "old-token" });
        ChannelInput Ntfy(Dictionary<string, string?>? secrets) => new()
        {
            Name = "phone",
            Kind = "ntfy",
            Settings = new() { Server = "https://ntfy.example.org", Topic = "alerts" },
            Secrets = secrets,
        };

        Assert.Equal("old-token", Validate(Ntfy(null), stored).Secrets["token"]);
        Assert.Equal("old-token", Validate(Ntfy(new() { ["token"] = null }), stored).Secrets["token"]);
        Assert.Null(Validate(Ntfy(new() { ["token"] = "" }), stored).Secrets["token"]);
        Assert.Equal("new-token", Validate(Ntfy(new() { ["token"] = "new-token" }), stored).Secrets["token"]);
        Assert.Contains("secrets.password", Validate(Ntfy(new() { ["password"] = "x" })).Errors.Keys);
    }

    [Fact]
    public void Errors_about_a_secret_never_repeat_it()
    {
        var result = Validate(new ChannelInput
        {
            Name = "hook",
            Kind = "webhook",
            Settings = new() { Url = "https://example.org" },
            Secrets = new() { ["headers"] = "Bearer super-secret-value" },
        });

        var error = Assert.Single(result.Errors["secrets.headers"]);
        Assert.DoesNotContain("super-secret-value", error);
        Assert.Contains("line 1", error);
    }

    [Fact]
    public void An_email_channel_names_each_missing_field()
    {
        var result = Validate(new ChannelInput { Name = "mail", Kind = "email", Settings = new() { Username = "me", To = ["not an address"] } });

        Assert.Equal(["secrets.password", "settings.from", "settings.host", "settings.to"], result.Errors.Keys.Order());
        Assert.Equal(587, result.Settings.Port);
    }

    [Fact]
    public void An_mqtt_topic_template_may_not_hold_wildcards_or_unknown_placeholders()
    {
        ChannelInput Mqtt(string topic) => new() { Name = "m", Kind = "mqtt", Settings = new() { Topic = topic } };

        Assert.True(Validate(Mqtt("notify/{{rule}}/{{device}}")).IsValid);
        Assert.Contains("+ or #", Validate(Mqtt("notify/+/x")).Errors["settings.topic"][0]);
        Assert.Contains("{{nope}}", Validate(Mqtt("notify/{{nope}}")).Errors["settings.topic"][0]);
    }

    [Fact]
    public void Names_are_unique_ignoring_case_and_kinds_are_known()
    {
        var result = Validate(new ChannelInput { Name = "Ops", Kind = "pager" }, null, "ops");

        Assert.Equal("Another channel is already called 'Ops'.", result.Errors["name"][0]);
        Assert.StartsWith("Unknown kind 'pager'", result.Errors["kind"][0]);
    }

    [Fact]
    public void Secrets_scrubbed_from_error_texts_and_never_printed()
    {
        var secrets = new ChannelSecrets(new Dictionary<string, string> { ["botToken"] = "123:ABCDEF" });

        Assert.Equal("POST https://api/bot•••/sendMessage failed", secrets.Scrub("POST https://api/bot123:ABCDEF/sendMessage failed"));
        Assert.DoesNotContain("ABCDEF", secrets.ToString());
        Assert.DoesNotContain("ABCDEF", new NotificationChannel(1, "t", ChannelKind.Telegram, true, new(), secrets, DateTimeOffset.UnixEpoch).ToString());
    }

    [Fact]
    public void A_webhooks_secret_headers_are_scrubbed_from_a_server_that_echoes_them_in_its_own_words()
    {
        var secrets = new ChannelSecrets(new Dictionary<string, string> { ["headers"] = "Authorization: Bearer WEBHOOKSECRET\nX-Token: tok-1234" });

        var scrubbed = secrets.Scrub("400 Bad Request: {\"auth\":\"Bearer WEBHOOKSECRET\",\"token\":\"tok-1234\",\"raw\":\"WEBHOOKSECRET\"}");

        Assert.DoesNotContain("WEBHOOKSECRET", scrubbed);
        Assert.DoesNotContain("tok-1234", scrubbed);
        Assert.StartsWith("400 Bad Request", scrubbed);
    }
}
