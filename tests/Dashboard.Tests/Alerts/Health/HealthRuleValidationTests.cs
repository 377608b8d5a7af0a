using Dashboard.Alerts;
using Dashboard.Alerts.Health;

namespace Dashboard.Tests.Alerts.Health;

public sealed class HealthRuleValidationTests
{
    private static AlertRuleInput FailedLogins() => new()
    {
        Kind = "health",
        Name = "Failed logins",
        Signal = "failed-logins",
        Threshold = 10,
        WindowSeconds = 300,
    };

    private static AlertRuleValidation Validate(AlertRuleInput input) => AlertRuleValidator.Validate(input, 3, []);

    private static string ErrorFor(AlertRuleInput input, string field)
    {
        var result = Validate(input);
        Assert.False(result.IsValid);
        return result.ErrorFor(field) ?? throw new Xunit.Sdk.XunitException($"No error for {field}; errors: {string.Join("; ", result.Errors.Keys)}");
    }

    [Fact]
    public void A_failed_logins_rule_counts_over_its_window_and_alerts_when_above_by_default()
    {
        var rule = Validate(FailedLogins()).Rule!;

        Assert.Equal((AlertRuleKind.Health, HealthSignal.FailedLogins, AlertOperator.Above, 10.0, TimeSpan.FromMinutes(5), ""),
            (rule.Kind, rule.Signal, rule.Operator, rule.Threshold, rule.Window, rule.Filter));
        Assert.Equal("more than 10 failed logins in 5 min", rule.DescribeCondition());
        var dto = AlertRuleDto.From(rule);
        Assert.Equal(("health", "failed-logins", (double?)300, ">"), (dto.Kind, dto.Signal, dto.WindowSeconds, dto.Operator));
    }

    [Fact]
    public void A_signal_without_a_kind_makes_a_health_rule()
    {
        var input = FailedLogins();
        input.Kind = null;

        Assert.Equal(AlertRuleKind.Health, Validate(input).Rule!.Kind);
    }

    [Fact]
    public void Disk_and_backlog_rules_are_levels_held_for_a_duration()
    {
        var disk = Validate(new AlertRuleInput { Kind = "health", Name = "Disk", Signal = "free-disk-percent", Threshold = 10, ForSeconds = 60 }).Rule!;
        var megabytes = Validate(new AlertRuleInput { Kind = "health", Name = "Disk", Signal = "free-disk-mb", Operator = "<=", Threshold = 500 }).Rule!;
        var backlog = Validate(new AlertRuleInput { Kind = "health", Name = "Behind", Signal = "ingestion-backlog", Threshold = 10000, ForSeconds = 30 }).Rule!;

        Assert.Equal("free disk space < 10 % for 60 s", disk.DescribeCondition());
        Assert.Equal("free disk space <= 500 MB", megabytes.DescribeCondition());
        Assert.Equal("ingestion backlog > 10000 events for 30 s", backlog.DescribeCondition());
        Assert.Equal(TimeSpan.Zero, disk.Window);
    }

    [Theory]
    [InlineData("signal", null, "Choose what to watch")]
    [InlineData("signal", "cpu", "Unknown signal 'cpu'")]
    public void A_missing_or_unknown_signal_is_named(string field, string? signal, string message)
    {
        var input = FailedLogins();
        input.Signal = signal;

        Assert.Contains(message, ErrorFor(input, field));
    }

    [Fact]
    public void A_count_needs_a_window_of_one_second_to_a_day()
    {
        var input = FailedLogins();
        input.WindowSeconds = null;
        Assert.Contains("how far back to count", ErrorFor(input, "windowSeconds"));

        input.WindowSeconds = 0;
        Assert.Contains("from 1 to 86400", ErrorFor(input, "windowSeconds"));

        input.WindowSeconds = double.NaN;
        Assert.Contains("from 1 to 86400", ErrorFor(input, "windowSeconds"));
    }

    [Fact]
    public void A_level_has_no_window_and_other_kinds_have_no_signal()
    {
        var disk = new AlertRuleInput { Kind = "health", Name = "Disk", Signal = "free-disk-mb", Threshold = 500, WindowSeconds = 60 };
        Assert.Contains("has no window", ErrorFor(disk, "windowSeconds"));

        var threshold = new AlertRuleInput { Kind = "threshold", Name = "Hot", Filter = "home/#", Operator = ">", Threshold = 1, Signal = "failed-logins" };
        Assert.Contains("Only health rules", ErrorFor(threshold, "signal"));
    }

    [Fact]
    public void Counts_alert_when_high_and_free_space_when_low()
    {
        var input = FailedLogins();
        input.Operator = "<";
        Assert.Contains("use > or >=", ErrorFor(input, "operator"));

        var disk = new AlertRuleInput { Kind = "health", Name = "Disk", Signal = "free-disk-percent", Operator = ">", Threshold = 10 };
        Assert.Contains("use < or <=", ErrorFor(disk, "operator"));
    }

    [Fact]
    public void Thresholds_are_needed_and_percentages_stay_within_a_hundred()
    {
        var input = FailedLogins();
        input.Threshold = null;
        Assert.Contains("The threshold is needed", ErrorFor(input, "threshold"));

        input.Threshold = -1;
        Assert.Contains("zero or more", ErrorFor(input, "threshold"));

        var disk = new AlertRuleInput { Kind = "health", Name = "Disk", Signal = "free-disk-percent", Threshold = 120 };
        Assert.Contains("from 0 to 100", ErrorFor(disk, "threshold"));
    }

    [Fact]
    public void A_health_rule_has_no_filter_or_metric()
    {
        var input = FailedLogins();
        input.Filter = "home/#";
        input.Metric = "temperature";

        Assert.Contains("leave the filter out", ErrorFor(input, "filter"));
        Assert.Contains("leave it out", ErrorFor(input, "metric"));
    }
}
