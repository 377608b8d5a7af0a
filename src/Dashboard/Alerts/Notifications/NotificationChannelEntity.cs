using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.Alerts.Notifications;

/// <summary>
/// A stored notification channel. <see cref="Settings"/> is JSON (<see cref="ChannelSettings"/>); <see cref="Secrets"/>
/// is JSON encrypted with ASP.NET Core Data Protection (the keys in <c>data/keys/</c>). The delivery figures are
/// written as they change, so the Alerts page shows them after a restart too. Times are UTC.
/// </summary>
public sealed class NotificationChannelEntity
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public ChannelKind Kind { get; set; }
    public bool Enabled { get; set; }
    public string Settings { get; set; } = "{}";
    public string? Secrets { get; set; }
    public DateTime UpdatedAt { get; set; }
    public long Sent { get; set; }
    public long Failed { get; set; }
    public long Suppressed { get; set; }
    public long Dropped { get; set; }
    public DateTime? LastSuccessAt { get; set; }
    public DateTime? LastFailureAt { get; set; }
    public string? LastError { get; set; }

    public ChannelStatus Status() => new(Sent, Failed, Suppressed, Dropped, Utc(LastSuccessAt), Utc(LastFailureAt), LastError);

    private static DateTimeOffset? Utc(DateTime? time) => time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;
}

/// <summary>
/// How a channel's deliveries went: <see cref="Sent"/> delivered, <see cref="Failed"/> given up after every retry,
/// <see cref="Suppressed"/> held back by the rate limit (<c>Notifications:MaxPerMinute</c>), <see cref="Dropped"/> because
/// its queue was full; the last success and the last failure with the receiver's error text.
/// </summary>
public sealed record ChannelStatus(long Sent, long Failed, long Suppressed, long Dropped, DateTimeOffset? LastSuccessAt, DateTimeOffset? LastFailureAt, string? LastError)
{
    public static readonly ChannelStatus New = new(0, 0, 0, 0, null, null, null);

    /// <summary>The last attempt failed (and nothing has gone through since).</summary>
    public bool Failing => LastFailureAt is { } failed && (LastSuccessAt is not { } ok || failed > ok);
}

internal sealed class NotificationChannelConfiguration : IEntityTypeConfiguration<NotificationChannelEntity>
{
    public void Configure(EntityTypeBuilder<NotificationChannelEntity> builder)
    {
        builder.ToTable("NotificationChannels");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Name).HasMaxLength(ChannelValidator.MaxNameLength).UseCollation("NOCASE");
        builder.HasIndex(c => c.Name).IsUnique();
        builder.Property(c => c.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(c => c.LastError).HasMaxLength(ChannelStatusText.MaxErrorLength);
    }
}

internal sealed class AlertRuleChannelConfiguration : IEntityTypeConfiguration<AlertRuleChannelEntity>
{
    public void Configure(EntityTypeBuilder<AlertRuleChannelEntity> builder)
    {
        builder.ToTable("AlertRuleChannels");
        builder.HasKey(c => new { c.RuleId, c.ChannelId });
        builder.HasIndex(c => c.ChannelId);
        builder.HasOne<NotificationChannelEntity>().WithMany().HasForeignKey(c => c.ChannelId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>Error texts as stored and shown: one line, at most <see cref="MaxErrorLength"/> characters.</summary>
internal static class ChannelStatusText
{
    public const int MaxErrorLength = 500;

    public static string Error(string text)
    {
        var line = string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length <= MaxErrorLength ? line : line[..(MaxErrorLength - 1)] + "…";
    }
}
