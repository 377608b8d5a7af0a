using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.Boards;

public sealed class BoardEntity
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public List<BoardTileEntity> Tiles { get; set; } = [];
}

/// <summary>A tile row; <see cref="Position"/> keeps the order the tiles were given in.</summary>
public sealed class BoardTileEntity
{
    public long Id { get; set; }
    public long BoardId { get; set; }
    public int Position { get; set; }
    public string Kind { get; set; } = "";
    public string? Title { get; set; }
    public int Column { get; set; }
    public int Row { get; set; }
    public int Width { get; set; }
    public int Height { get; set; }
    public string? Topic { get; set; }
    public string? Metric { get; set; }
    public double? Min { get; set; }
    public double? Max { get; set; }
    public string? Range { get; set; }
    public string? DeviceId { get; set; }
    public string? Control { get; set; }
    public string? Text { get; set; }

    public Tile ToTile() => new(Enum.Parse<TileKind>(Kind), Title, Column, Row, Width, Height, Topic, Metric, Min, Max, Range, DeviceId, Control, Text);

    public static BoardTileEntity From(Tile t, int position) => new()
    {
        Position = position,
        Kind = t.Kind.ToString(),
        Title = t.Title,
        Column = t.Column,
        Row = t.Row,
        Width = t.Width,
        Height = t.Height,
        Topic = t.Topic,
        Metric = t.Metric,
        Min = t.Min,
        Max = t.Max,
        Range = t.Range,
        DeviceId = t.DeviceId,
        Control = t.Control,
        Text = t.Text,
    };
}

/// <summary>A kiosk link: only the SHA-256 of its token is stored; deleting the row revokes it.</summary>
public sealed class KioskLinkEntity
{
    public long Id { get; set; }
    public long BoardId { get; set; }
    public string Name { get; set; } = "";
    public string Hash { get; set; } = "";
    public string Prefix { get; set; } = "";
    public string CreatedBy { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
}

internal sealed class BoardConfiguration : IEntityTypeConfiguration<BoardEntity>
{
    public void Configure(EntityTypeBuilder<BoardEntity> builder)
    {
        builder.ToTable("Boards");
        builder.HasKey(b => b.Id);
        builder.Property(b => b.Name).HasMaxLength(BoardGrid.MaxNameLength);
        builder.HasMany(b => b.Tiles).WithOne().HasForeignKey(t => t.BoardId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class BoardTileConfiguration : IEntityTypeConfiguration<BoardTileEntity>
{
    public void Configure(EntityTypeBuilder<BoardTileEntity> builder)
    {
        builder.ToTable("BoardTiles");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Kind).HasMaxLength(20);
        builder.HasIndex(t => new { t.BoardId, t.Position });
    }
}

internal sealed class KioskLinkConfiguration : IEntityTypeConfiguration<KioskLinkEntity>
{
    public void Configure(EntityTypeBuilder<KioskLinkEntity> builder)
    {
        builder.ToTable("KioskLinks");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.Name).HasMaxLength(BoardGrid.MaxNameLength);
        builder.Property(k => k.Hash).HasMaxLength(64);
        builder.HasIndex(k => k.Hash).IsUnique();
        builder.HasOne<BoardEntity>().WithMany().HasForeignKey(k => k.BoardId).OnDelete(DeleteBehavior.Cascade);
    }
}
