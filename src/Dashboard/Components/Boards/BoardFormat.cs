using System.Globalization;
using Dashboard.Components.Devices;
using Dashboard.Live;

namespace Dashboard.Components.Boards;

/// <summary>How tiles write numbers, and the grid's size in pixels (kept in step with <c>.board-grid</c> in app.css).</summary>
internal static class BoardFormat
{
    public const int RowPixels = 104;
    public const int GapPixels = 12;

    public static int TilePixels(int rows) => rows * RowPixels + (rows - 1) * GapPixels;

    /// <summary>The reading as sent: its state word (<c>ON</c>), else its number and unit.</summary>
    public static string Reading(SeriesSnapshot reading) => DeviceFormat.Reading(reading);

    /// <summary>The number alone (or the state word), for a large figure with its unit set smaller.</summary>
    public static string Number(SeriesSnapshot reading) => reading.State ?? DeviceFormat.Value(reading.Value, null);

    public static string Unit(SeriesSnapshot reading) =>
        reading.State is not null || string.IsNullOrEmpty(reading.Unit) ? "" : reading.Unit is "%" or "°C" or "°F" ? reading.Unit : " " + reading.Unit;

    public static string Plain(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
