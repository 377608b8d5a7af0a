using System.ComponentModel.DataAnnotations;

namespace Dashboard.Backups;

/// <summary>Scheduled snapshots of the database (section <c>Backups</c>); downloads from Settings and the API need none of this.</summary>
public sealed class BackupsOptions
{
    public const string Section = "Backups";

    /// <summary>Where scheduled snapshots go (created 0700); empty: no scheduled snapshots.</summary>
    public string Folder { get; set; } = "";

    /// <summary>How often a snapshot is written.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Snapshots kept in <see cref="Folder"/>; older ones are deleted.</summary>
    [Range(1, 10_000)]
    public int Keep { get; set; } = 7;
}
