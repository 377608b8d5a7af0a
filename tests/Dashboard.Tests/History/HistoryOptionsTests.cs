using System.ComponentModel.DataAnnotations;
using Dashboard.History;

namespace Dashboard.Tests.History;

public sealed class HistoryOptionsTests
{
    private static List<ValidationResult> Validate(HistoryOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void The_defaults_are_valid() => Assert.Empty(Validate(new HistoryOptions()));

    [Fact]
    public void Rollups_kept_shorter_than_raw_readings_are_refused()
    {
        var errors = Validate(new HistoryOptions { RawRetention = TimeSpan.FromDays(30), MinuteRetention = TimeSpan.FromDays(7) });

        Assert.Contains(errors, e => e.ErrorMessage!.Contains("MinuteRetention must be at least History:RawRetention", StringComparison.Ordinal));
    }

    [Fact]
    public void A_batch_of_ten_readings_is_refused() =>
        Assert.Contains(Validate(new HistoryOptions { MaxBatch = 10 }), e => e.MemberNames.Contains(nameof(HistoryOptions.MaxBatch)));
}
