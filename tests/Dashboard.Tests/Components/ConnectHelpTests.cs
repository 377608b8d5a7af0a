using System.Net;
using Bunit;
using Dashboard.Broker;
using Dashboard.Broker.Status;
using Dashboard.Components.Overview;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Dashboard.Tests.Components;

public sealed class ConnectHelpTests : BunitContext
{
    private static readonly Dictionary<string, string?> Endpoints = new()
    {
        ["Kestrel:Endpoints:Mqtt:Url"] = "http://0.0.0.0:1883",
        ["Kestrel:Endpoints:MqttWebSockets:Url"] = "http://0.0.0.0:9001",
        ["Kestrel:Endpoints:MqttTls:Url"] = "https://0.0.0.0:8883",
        ["Kestrel:Endpoints:MqttWebSocketsTls:Url"] = "https://0.0.0.0:9443",
    };

    public ConnectHelpTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void Without_a_certificate_only_the_plain_commands_are_shown()
    {
        Services.AddSingleton(new BrokerListeners(new ConfigurationBuilder().AddInMemoryCollection(Endpoints).Build()));

        var cut = Render<ConnectHelp>(p => p.Add(c => c.Expanded, true));

        Assert.Contains("mosquitto_pub -h localhost -p 1883", cut.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain("--cafile", cut.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain("wss://", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void In_external_mode_devices_are_pointed_at_the_external_broker()
    {
        var settings = new Dictionary<string, string?>(Endpoints)
        {
            ["Broker:Mode"] = "External",
            ["Broker:External:Host"] = "mqtt.home.lan",
            ["Broker:External:Topics:0"] = "home/#",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var listeners = new BrokerListeners(configuration);
        Assert.Empty(listeners.Open); // no MQTT port of its own
        Services.AddSingleton(listeners);
        Services.AddOptions<BrokerOptions>().Bind(configuration.GetSection(BrokerOptions.Section));

        var cut = Render<ConnectHelp>(p => p.Add(c => c.Expanded, true));

        Assert.Contains("the external broker mqtt://mqtt.home.lan:1883", cut.Find(".external-connect-help").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("mosquitto_pub", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void With_a_certificate_the_tls_commands_are_shown_with_their_ports()
    {
        var settings = new Dictionary<string, string?>(Endpoints) { ["Kestrel:Certificates:Default:Path"] = "/certs/server.crt" };
        Services.AddSingleton(new BrokerListeners(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()));

        var text = WebUtility.HtmlDecode(Render<ConnectHelp>(p => p.Add(c => c.Expanded, true)).Markup);

        Assert.Contains("mosquitto_pub --cafile ca.crt -h localhost -p 8883", text, StringComparison.Ordinal);
        Assert.Contains("client.connect(\"localhost\", 8883, 60)", text, StringComparison.Ordinal);
        Assert.Contains("mqtt.connect(\"wss://localhost:9443/mqtt\")", text, StringComparison.Ordinal);
    }
}
