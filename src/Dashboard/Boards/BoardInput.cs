namespace Dashboard.Boards;

/// <summary>A board as the API reads it: a PUT replaces the name and every tile.</summary>
public sealed record BoardInput(string? Name, IReadOnlyList<TileInput?>? Tiles);

/// <summary>A tile as the API reads and writes it; <see cref="Kind"/> is <c>value</c>, <c>gauge</c>, <c>sparkline</c>, <c>chart</c>, <c>switch</c>, <c>button</c> or <c>text</c>.</summary>
public sealed record TileInput(
    string? Kind,
    string? Title = null,
    int? Column = null,
    int? Row = null,
    int? Width = null,
    int? Height = null,
    string? Topic = null,
    string? Metric = null,
    double? Min = null,
    double? Max = null,
    string? Range = null,
    string? DeviceId = null,
    string? Control = null,
    string? Text = null)
{
    public static TileInput From(Tile t) => new(Wire(t.Kind), t.Title, t.Column, t.Row, t.Width, t.Height, t.Topic, t.Metric, t.Min, t.Max, t.Range,
        t.DeviceId, t.Control, t.Text);

    public static string Wire(TileKind kind) => kind.ToString().ToLowerInvariant();
}

/// <summary>
/// Checks a board's name and tiles; each problem is keyed by its field (<c>tiles[2].width</c>), as a 400 names it. A tile
/// given neither column nor row goes to the first free spot after the tiles before it.
/// </summary>
public static class BoardValidator
{
    public static (string? Name, string? Error) Name(string? name)
    {
        name = name?.Trim();
        return string.IsNullOrEmpty(name) || name.Length > BoardGrid.MaxNameLength
            ? (null, $"Give the board a name of 1 to {BoardGrid.MaxNameLength} characters.")
            : (name, null);
    }

    public static (IReadOnlyList<Tile> Tiles, Dictionary<string, string[]> Errors) Tiles(IReadOnlyList<TileInput?>? inputs)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var placed = new List<(int Index, Tile Tile)>();
        inputs ??= [];
        if (inputs.Count > BoardGrid.MaxTiles)
        {
            errors["tiles"] = [$"A board holds at most {BoardGrid.MaxTiles} tiles."];
            return ([], errors);
        }

        for (var i = 0; i < inputs.Count; i++)
        {
            var problems = new List<(string Field, string Message)>();
            var tile = Tile(inputs[i], problems);
            foreach (var group in problems.GroupBy(p => p.Field))
            {
                errors[$"tiles[{i}]{(group.Key.Length > 0 ? "." + group.Key : "")}"] = [.. group.Select(p => p.Message)];
            }

            if (tile is null)
            {
                continue;
            }

            if (inputs[i] is { Column: null, Row: null })
            {
                var (column, row) = BoardGrid.FreeSpot([.. placed.Select(p => p.Tile)], tile.Width, tile.Height);
                tile = tile with { Column = column, Row = row };
            }

            if (placed.FirstOrDefault(p => p.Tile.Overlaps(tile)) is { Tile: not null } other)
            {
                errors[$"tiles[{i}]"] = [$"It overlaps tiles[{other.Index}] ('{other.Tile.Caption}'): move or resize one of them."];
            }

            placed.Add((i, tile));
        }

        return ([.. placed.Select(p => p.Tile)], errors);
    }

    private static Tile? Tile(TileInput? input, List<(string, string)> problems)
    {
        if (input is null)
        {
            problems.Add(("", "A tile is an object: {\"kind\": \"value\", \"topic\": \"…\", \"metric\": \"…\"}."));
            return null;
        }

        if (!Enum.TryParse<TileKind>(input.Kind, ignoreCase: true, out var kind) || !Enum.IsDefined(kind) || int.TryParse(input.Kind, out _))
        {
            problems.Add(("kind", $"Unknown tile kind '{input.Kind}': one of {string.Join(", ", Enum.GetValues<TileKind>().Select(TileInput.Wire))}."));
            return null;
        }

        var title = Trimmed(input.Title);
        if (title?.Length > BoardGrid.MaxTitleLength)
        {
            problems.Add(("title", $"A title has at most {BoardGrid.MaxTitleLength} characters."));
        }

        var (width, height) = (input.Width ?? BoardGrid.DefaultSize(kind).Width, input.Height ?? BoardGrid.DefaultSize(kind).Height);
        var (column, row) = (input.Column ?? 0, input.Row ?? 0);
        if (width is < 1 or > BoardGrid.Columns)
        {
            problems.Add(("width", $"The width is 1 to {BoardGrid.Columns} columns."));
        }

        if (height is < 1 or > BoardGrid.MaxHeight)
        {
            problems.Add(("height", $"The height is 1 to {BoardGrid.MaxHeight} rows."));
        }

        if (column < 0 || column + Math.Max(width, 1) > BoardGrid.Columns)
        {
            problems.Add(("column", $"The column is 0 to {BoardGrid.Columns - 1}, and the tile must end by column {BoardGrid.Columns} (column + width ≤ {BoardGrid.Columns})."));
        }

        if (row is < 0 or >= BoardGrid.MaxRows)
        {
            problems.Add(("row", $"The row is 0 to {BoardGrid.MaxRows - 1}."));
        }

        var tile = new Tile(kind, title, column, row, width, height);
        tile = kind switch
        {
            TileKind.Text => tile with { Text = Text(input.Text, problems) },
            TileKind.Switch or TileKind.Button => tile with
            {
                DeviceId = Required(input.DeviceId, "deviceId", "the device whose control it is", problems),
                Control = Required(input.Control, "control", "the control's id (GET /api/devices/{id}/controls lists them)", problems),
            },
            _ => Reading(tile, input, problems),
        };
        return problems.Count == 0 ? tile : null;
    }

    private static Tile Reading(Tile tile, TileInput input, List<(string, string)> problems)
    {
        tile = tile with
        {
            Topic = Required(input.Topic, "topic", "the topic the reading comes on", problems),
            Metric = Required(input.Metric, "metric", "the reading's metric (its last topic level for a single value)", problems),
        };
        if (tile.Kind == TileKind.Gauge)
        {
            if (input.Min is not { } min || input.Max is not { } max || !double.IsFinite(min) || !double.IsFinite(max) || min >= max)
            {
                problems.Add(("max", "A gauge needs a min below its max."));
                return tile;
            }

            return tile with { Min = min, Max = max };
        }

        if (tile.Kind == TileKind.Chart)
        {
            var range = Trimmed(input.Range) ?? BoardGrid.DefaultRange;
            if (!BoardGrid.Ranges.ContainsKey(range))
            {
                problems.Add(("range", $"Unknown range '{range}': one of {string.Join(", ", BoardGrid.Ranges.Keys)}."));
            }

            return tile with { Range = range };
        }

        return tile;
    }

    private static string? Text(string? text, List<(string, string)> problems)
    {
        text = Trimmed(text);
        if (text is null || text.Length > BoardGrid.MaxTextLength)
        {
            problems.Add(("text", $"A text tile needs 1 to {BoardGrid.MaxTextLength} characters of text."));
        }

        return text;
    }

    private static string? Required(string? value, string field, string what, List<(string, string)> problems)
    {
        value = Trimmed(value);
        if (value is null || value.Length > 1000)
        {
            problems.Add((field, $"Name {what}."));
        }

        return value;
    }

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
