using Dashboard.IntegrationTests.Infrastructure;

namespace Dashboard.IntegrationTests.Controls;

/// <summary>Controls/echo_device.py: a paho-mqtt device that obeys commands as its firmware does, and says its new state.</summary>
public static class EchoDevice
{
    /// <param name="kind"><c>tasmota</c>, <c>discovery</c> or <c>tutorial</c> (see the script).</param>
    /// <param name="silent">Subscribes but never answers.</param>
    public static async Task<ExternalProcess> StartAsync(DashboardApp app, string kind, string name, bool silent = false)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Controls", "echo_device.py");
        string[] arguments = ["-u", script, $"{app.MqttPort}", kind, name, .. silent ? ["silent"] : Array.Empty<string>()];
        var device = ExternalProcess.Start("/usr/bin/python3", arguments);
        await device.WaitForLineAsync(line => line == "ready");
        return device;
    }
}
