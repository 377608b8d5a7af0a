using System.Net;
using Bunit;
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
