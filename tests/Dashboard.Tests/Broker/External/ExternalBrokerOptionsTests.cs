using Dashboard.Broker;
using Dashboard.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Broker.External;

/// <summary>Broker:Mode and Broker:External as AddBroker binds and checks them: a bad External configuration stops the start, naming the key.</summary>
public sealed class ExternalBrokerOptionsTests
{
    private static BrokerOptions Bind(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddBroker<DashboardDbContext>();
        using var host = builder.Build();
        return host.Services.GetRequiredService<IOptions<BrokerOptions>>().Value;
    }

    [Fact]
    public void A_configured_topic_list_replaces_the_default()
    {
        var options = Bind(new() { ["Broker:Mode"] = "External", ["Broker:External:Host"] = "mqtt.example", ["Broker:External:Topics:0"] = "plant/#" });

        Assert.Equal(["plant/#"], options.External.Topics);
        Assert.Equal(("mqtt://mqtt.example:1883", "dashboard"), (options.External.Address, options.External.SharedGroup));
    }

    [Theory]
    [InlineData("Broker:External:Host", "", "Broker:External:Host is required")]
    [InlineData("Broker:External:Port", "0", "Broker:External:Port must be between 1 and 65535")]
    [InlineData("Broker:External:Port", "65536", "Broker:External:Port must be between 1 and 65535")]
    [InlineData("Broker:External:Topics:0", "a/#/b", "'a/#/b' is not a topic filter")]
    [InlineData("Broker:External:Topics:0", "$SYS/#", "'$SYS/#' is not a topic filter")]
    [InlineData("Broker:External:SharedGroup", "a/b", "Broker:External:SharedGroup must be a name")]
    [InlineData("Broker:External:SessionExpiry", "-00:00:01", "Broker:External:SessionExpiry must be between")]
    public void A_bad_external_setting_stops_the_start_naming_its_key(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?> { ["Broker:Mode"] = "External", ["Broker:External:Host"] = "mqtt.example", [key] = value };

        var error = Assert.Throws<OptionsValidationException>(() => Bind(settings));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void External_settings_are_not_checked_in_embedded_mode() =>
        Assert.Equal(Dashboard.Broker.External.BrokerMode.Embedded, Bind(new() { ["Broker:External:Port"] = "0" }).Mode);
}
