namespace Dashboard.Devices;

public enum DeviceStatus
{
    Unknown,
    Online,
    Offline,
}

public static class DeviceStatusText
{
    /// <summary>The status as the HTTP API, the hub and the pages write it.</summary>
    public static string ToWire(this DeviceStatus status) => status switch
    {
        DeviceStatus.Online => "online",
        DeviceStatus.Offline => "offline",
        _ => "unknown",
    };
}
