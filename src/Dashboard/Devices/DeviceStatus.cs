namespace Dashboard.Devices;

public enum DeviceStatus
{
    Unknown,
    Online,
    Offline,
}
