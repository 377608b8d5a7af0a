using System.Globalization;
using Dashboard.Devices;
using Dashboard.Live;
using MudBlazor;

namespace Dashboard.Components.Devices;

/// <summary>How devices and readings read on every page.</summary>
internal static class DeviceFormat
{
    /// <summary>A reading as it was sent: its state word (<c>ON</c>), else its number and unit.</summary>
    public static string Reading(SeriesSnapshot reading) => reading.State ?? Value(reading.Value, reading.Unit);

    public static string Value(double value, string? unit)
    {
        var number = Math.Abs(value) >= 1e6 || (value != 0 && Math.Abs(value) < 0.01)
            ? value.ToString("G4", CultureInfo.InvariantCulture)
            : value.ToString("0.##", CultureInfo.InvariantCulture);
        return string.IsNullOrEmpty(unit) ? number : unit is "%" or "°C" or "°F" ? number + unit : $"{number} {unit}";
    }

    /// <summary>"12 s ago": the server does not know the browser's time zone, so times are relative.</summary>
    public static string Ago(DateTimeOffset? time, DateTimeOffset now)
    {
        if (time is not { } t)
        {
            return "never";
        }

        var age = now - t;
        return age.TotalSeconds switch
        {
            < 2 => "just now",
            < 60 => $"{(int)age.TotalSeconds} s ago",
            < 3600 => $"{(int)age.TotalMinutes} min ago",
            < 86_400 => $"{(int)age.TotalHours} h ago",
            _ => $"{(int)age.TotalDays} d ago",
        };
    }

    /// <summary>"Last seen" for a device: a device known only from retained messages replayed at start has not been seen since.</summary>
    public static string LastSeen(DateTimeOffset? time, DateTimeOffset now) =>
        time is null ? "not since the dashboard started" : Ago(time, now);

    /// <summary>"90 s", "5 min", "2 h", "1 d".</summary>
    public static string Duration(TimeSpan span) => span.TotalSeconds switch
    {
        < 120 => $"{(int)span.TotalSeconds} s",
        < 7200 => $"{(int)span.TotalMinutes} min",
        < 172_800 => $"{(int)span.TotalHours} h",
        _ => $"{(int)span.TotalDays} d",
    };

    public static string StatusText(DeviceStatus status) => status.ToWire();

    public static Color StatusColor(DeviceStatus status) => status switch
    {
        DeviceStatus.Online => Color.Success,
        DeviceStatus.Offline => Color.Error,
        _ => Color.Default,
    };

    public static string Href(string deviceId) => "devices/" + string.Join('/', deviceId.Split('/').Select(Uri.EscapeDataString));
}
