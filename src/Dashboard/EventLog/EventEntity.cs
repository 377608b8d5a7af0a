using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.EventLog;

/// <summary>
/// One event of the log. Refusals fill the client's fields and <see cref="ReasonCode"/>; admin actions fill
/// <see cref="Actor"/> (who) and <see cref="Target"/> (what they acted on). <see cref="Count"/> &gt; 1 when identical refusals
/// arrived together (a client retrying in a loop) and were written as one. Times are UTC <see cref="DateTime"/>s, which
/// SQLite orders.
/// </summary>
public sealed class EventEntity
{
    public long Id { get; set; }
    public DateTime Time { get; set; }
    public string Kind { get; set; } = "";
    public string? ClientId { get; set; }
    public string? UserName { get; set; }
    public string? Address { get; set; }
    public string? Topic { get; set; }
    public int? ReasonCode { get; set; }
    public string Detail { get; set; } = "";
    public string? Actor { get; set; }
    public string? Target { get; set; }
    public int Count { get; set; } = 1;
}

internal sealed class EventConfiguration : IEntityTypeConfiguration<EventEntity>
{
    public void Configure(EntityTypeBuilder<EventEntity> builder)
    {
        builder.ToTable("Events");
        builder.Property(e => e.Kind).HasMaxLength(32);
        builder.HasIndex(e => e.Time);
        builder.HasIndex(e => new { e.Kind, e.Time });
        builder.HasIndex(e => e.ClientId);
    }
}
