using System.Net.Http.Json;
using System.Text.Json;

namespace Dashboard.IntegrationTests.Infrastructure;

/// <summary><c>GET /api/devices</c> as the device tests read it: polled until it shows what a test waits for.</summary>
public static class DevicesApi
{
    /// <summary>The device list once <paramref name="done"/> holds, within the test patience.</summary>
    public static async Task<JsonElement[]> PollAsync(HttpClient http, Func<JsonElement[], bool> done)
    {
        var deadline = DateTime.UtcNow + TestClient.Patience;
        while (true)
        {
            var list = await http.GetFromJsonAsync<JsonElement[]>("api/devices") ?? [];
            if (done(list))
            {
                return list;
            }

            Assert.True(DateTime.UtcNow < deadline, $"api/devices never showed it: {JsonSerializer.Serialize(list)}");
            await Task.Delay(50);
        }
    }

    public static JsonElement? Device(JsonElement[] devices, string id) =>
        devices.FirstOrDefault(d => d.GetProperty("id").GetString() == id) is { ValueKind: JsonValueKind.Object } found ? found : null;

    public static string? Status(JsonElement[] devices, string id) => Device(devices, id)?.GetProperty("status").GetString();

    /// <summary>The ids that start with <paramref name="prefix"/>, in ordinal order.</summary>
    public static List<string> Ids(JsonElement[] devices, string prefix) =>
        [.. devices.Select(d => d.GetProperty("id").GetString()!).Where(id => id.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    /// <summary>A device's metrics by name, with value and unit (null when it has none).</summary>
    public static Dictionary<string, (double Value, string? Unit)> Metrics(JsonElement device) =>
        device.GetProperty("metrics").EnumerateArray().ToDictionary(
            m => m.GetProperty("metric").GetString()!,
            m => (m.GetProperty("value").GetDouble(), m.GetProperty("unit").ValueKind == JsonValueKind.String ? m.GetProperty("unit").GetString() : null));
}
