using Dashboard.Alerts.Health;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.Alerts;

/// <summary>A stored alert rule; choices are stored as their names so the table reads well in sqlite3.</summary>
public sealed class AlertRuleEntity
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public AlertRuleKind Kind { get; set; }
    public string Filter { get; set; } = "";
    public string? Metric { get; set; }
    public AlertOperator Operator { get; set; }
    public double Threshold { get; set; }
    public double Low { get; set; }
    public double High { get; set; }
    public double Hysteresis { get; set; }
    public double ForSeconds { get; set; }
    public AlertSeverity Severity { get; set; }
    public bool Enabled { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>A health rule's signal; null for the other kinds.</summary>
    public HealthSignal? Signal { get; set; }

    /// <summary>A health count's window; 0 otherwise.</summary>
    public double WindowSeconds { get; set; }

    /// <summary>The notification channels the rule's alerts go to (<c>AlertRuleChannels</c>).</summary>
    public List<AlertRuleChannelEntity> Channels { get; set; } = [];

    public AlertRule ToRule() => new(Id, Name, Kind, Filter, Metric, Operator, Threshold, Low, High, Hysteresis,
        TimeSpan.FromSeconds(ForSeconds), Severity, Enabled)
    { Channels = [.. Channels.Select(c => c.ChannelId).Order()], Signal = Signal, Window = TimeSpan.FromSeconds(WindowSeconds) };

    public void CopyFrom(AlertRule rule, DateTime now)
    {
        Name = rule.Name;
        Kind = rule.Kind;
        Filter = rule.Filter;
        Metric = rule.Metric;
        Operator = rule.Operator;
        Threshold = rule.Threshold;
        Low = rule.Low;
        High = rule.High;
        Hysteresis = rule.Hysteresis;
        ForSeconds = rule.For.TotalSeconds;
        Severity = rule.Severity;
        Enabled = rule.Enabled;
        Signal = rule.Signal;
        WindowSeconds = rule.Window.TotalSeconds;
        UpdatedAt = now;
        Channels.RemoveAll(c => !rule.Channels.Contains(c.ChannelId));
        Channels.AddRange(rule.Channels.Where(id => Channels.All(c => c.ChannelId != id)).Select(id => new AlertRuleChannelEntity { ChannelId = id }));
    }
}

/// <summary>A rule sends its alerts to a notification channel (many to many; both sides delete their links).</summary>
public sealed class AlertRuleChannelEntity
{
    public long RuleId { get; set; }
    public long ChannelId { get; set; }
}

/// <summary>
/// A stored alert. <see cref="RuleName"/> and <see cref="Severity"/> are copied from the rule when it was raised,
/// and there is no foreign key to the rule: an alert stays in the history after its rule is deleted.
/// Times are UTC <see cref="DateTime"/>s because SQLite cannot order EF Core's DateTimeOffset text.
/// </summary>
public sealed class AlertEntity
{
    public long Id { get; set; }
    public long RuleId { get; set; }
    public string RuleName { get; set; } = "";
    public AlertRuleKind Kind { get; set; }
    public AlertSeverity Severity { get; set; }
    public string Subject { get; set; } = "";
    public string Metric { get; set; } = "";
    public AlertState State { get; set; }
    public DateTime RaisedAt { get; set; }
    public double? Value { get; set; }
    public DateTime? AcknowledgedAt { get; set; }
    public DateTime? ClearedAt { get; set; }
    public string Message { get; set; } = "";
    public List<AlertEventEntity> Events { get; set; } = [];

    public static AlertEntity From(Alert alert) => new()
    {
        Id = alert.Id,
        RuleId = alert.RuleId,
        RuleName = alert.RuleName,
        Kind = alert.Kind,
        Severity = alert.Severity,
        Subject = alert.Subject,
        Metric = alert.Metric,
        RaisedAt = alert.RaisedAt.UtcDateTime,
        Value = alert.Value,
        Message = alert.Message,
    };

    public Alert ToAlert() => new(
        Id, RuleId, RuleName, Kind, Severity, Subject, Metric, State, Utc(RaisedAt), Value,
        AcknowledgedAt is { } acknowledged ? Utc(acknowledged) : null,
        ClearedAt is { } cleared ? Utc(cleared) : null,
        Message,
        [.. Events.OrderBy(e => e.Id).Select(e => new AlertEvent(e.State, Utc(e.Time), e.Value, e.Note))]);

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}

/// <summary>One transition of an alert, with its time and the value that caused it.</summary>
public sealed class AlertEventEntity
{
    public long Id { get; set; }
    public long AlertId { get; set; }
    public AlertState State { get; set; }
    public DateTime Time { get; set; }
    public double? Value { get; set; }
    public string? Note { get; set; }
}

internal sealed class AlertRuleConfiguration : IEntityTypeConfiguration<AlertRuleEntity>
{
    public void Configure(EntityTypeBuilder<AlertRuleEntity> builder)
    {
        builder.ToTable("AlertRules");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Name).HasMaxLength(AlertRuleValidator.MaxNameLength).UseCollation("NOCASE");
        builder.HasIndex(r => r.Name).IsUnique();
        builder.Property(r => r.Filter).HasMaxLength(AlertRuleValidator.MaxFilterLength);
        builder.Property(r => r.Metric).HasMaxLength(AlertRuleValidator.MaxMetricLength);
        builder.Property(r => r.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.Operator).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.Severity).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.Signal).HasConversion<string>().HasMaxLength(32);
        builder.HasMany(r => r.Channels).WithOne().HasForeignKey(c => c.RuleId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AlertConfiguration : IEntityTypeConfiguration<AlertEntity>
{
    public void Configure(EntityTypeBuilder<AlertEntity> builder)
    {
        builder.ToTable("Alerts");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).ValueGeneratedNever(); // the evaluator numbers alerts as it raises them
        builder.Property(a => a.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(a => a.Severity).HasConversion<string>().HasMaxLength(16);
        builder.Property(a => a.State).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(a => new { a.State, a.RaisedAt });
        builder.HasIndex(a => a.RaisedAt);
        builder.HasMany(a => a.Events).WithOne().HasForeignKey(e => e.AlertId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AlertEventConfiguration : IEntityTypeConfiguration<AlertEventEntity>
{
    public void Configure(EntityTypeBuilder<AlertEventEntity> builder)
    {
        builder.ToTable("AlertEvents");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.State).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(e => e.AlertId);
    }
}
