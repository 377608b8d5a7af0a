namespace Dashboard.Boards;

/// <summary>What a tile shows: a reading (value, gauge, sparkline, chart over a range), a control (switch, button) or text.</summary>
public enum TileKind
{
    Value,
    Gauge,
    Sparkline,
    Chart,
    Switch,
    Button,
    Text,
}

/// <summary>
/// One tile of a board, placed on a grid of <see cref="BoardGrid.Columns"/> columns: <see cref="Column"/> and
/// <see cref="Row"/> from 0, <see cref="Width"/> and <see cref="Height"/> in cells. A reading's tile names its series as
/// live state keys it (<see cref="Topic"/>, <see cref="Metric"/>); a control's tile names the device and the control.
/// </summary>
public sealed record Tile(
    TileKind Kind,
    string? Title,
    int Column,
    int Row,
    int Width,
    int Height,
    string? Topic = null,
    string? Metric = null,
    double? Min = null,
    double? Max = null,
    string? Range = null,
    string? DeviceId = null,
    string? Control = null,
    string? Text = null)
{
    public bool ShowsReading => Kind is TileKind.Value or TileKind.Gauge or TileKind.Sparkline or TileKind.Chart;

    public bool ShowsControl => Kind is TileKind.Switch or TileKind.Button;

    /// <summary>The title shown: the one given, else the metric, the control or the kind.</summary>
    public string Caption => !string.IsNullOrWhiteSpace(Title) ? Title
        : ShowsReading ? Metric ?? Kind.ToString()
        : ShowsControl ? Control ?? Kind.ToString()
        : "";

    public bool Overlaps(Tile other) =>
        Column < other.Column + other.Width && other.Column < Column + Width && Row < other.Row + other.Height && other.Row < Row + Height;
}

/// <summary>A board: a name and its tiles.</summary>
public sealed record Board(long Id, string Name, IReadOnlyList<Tile> Tiles, DateTime UpdatedAt);

/// <summary>A board as listed.</summary>
public sealed record BoardSummary(long Id, string Name, int Tiles, DateTime UpdatedAt);

/// <summary>The grid tiles sit on, and the ranges a chart tile offers.</summary>
public static class BoardGrid
{
    public const int Columns = 12;
    public const int MaxRows = 100;
    public const int MaxHeight = 12;
    public const int MaxTiles = 100;
    public const int MaxNameLength = 100;
    public const int MaxTitleLength = 100;
    public const int MaxTextLength = 2000;

    /// <summary>A chart tile's ranges, as the API writes them.</summary>
    public static readonly IReadOnlyDictionary<string, TimeSpan> Ranges = new Dictionary<string, TimeSpan>(StringComparer.Ordinal)
    {
        ["15m"] = TimeSpan.FromMinutes(15),
        ["1h"] = TimeSpan.FromHours(1),
        ["6h"] = TimeSpan.FromHours(6),
        ["24h"] = TimeSpan.FromHours(24),
        ["7d"] = TimeSpan.FromDays(7),
        ["30d"] = TimeSpan.FromDays(30),
    };

    public const string DefaultRange = "24h";

    /// <summary>The first place, row by row, where a tile of this size overlaps none of <paramref name="tiles"/>.</summary>
    public static (int Column, int Row) FreeSpot(IReadOnlyList<Tile> tiles, int width, int height)
    {
        width = Math.Clamp(width, 1, Columns);
        for (var row = 0; ; row++)
        {
            for (var column = 0; column + width <= Columns; column++)
            {
                var probe = new Tile(TileKind.Text, null, column, row, width, height);
                if (!tiles.Any(probe.Overlaps))
                {
                    return (column, row);
                }
            }
        }
    }

    /// <summary>A new tile's size for its kind: a chart wide, a value small.</summary>
    public static (int Width, int Height) DefaultSize(TileKind kind) => kind switch
    {
        TileKind.Chart => (6, 3),
        TileKind.Gauge => (3, 2),
        TileKind.Sparkline => (4, 2),
        TileKind.Text => (4, 1),
        _ => (3, 1),
    };
}
