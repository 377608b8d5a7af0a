using Dashboard.Alerts;

namespace Dashboard.Tests.Alerts;

public sealed class AlertRuleValidatorTests
{
    private static AlertRuleInput Hot() => new()
    {
        Name = "Too hot",
        Filter = "home/+/temperature",
        Operator = ">",
        Threshold = 25,
        ForSeconds = 10,
    };

    private static AlertRuleValidation Validate(AlertRuleInput input, params string[] otherNames) =>
        AlertRuleValidator.Validate(input, 7, otherNames);

    private static string ErrorFor(AlertRuleInput input, string field)
    {
        var result = Validate(input);
        Assert.False(result.IsValid);
        return result.ErrorFor(field) ?? throw new Xunit.Sdk.XunitException($"No error for {field}; errors: {string.Join("; ", result.Errors.Keys)}");
    }

    [Fact]
    public void A_complete_threshold_rule_is_valid_with_defaults_for_what_was_left_out()
    {
        var rule = Validate(Hot()).Rule!;

        Assert.Equal(new AlertRule(7, "Too hot", AlertRuleKind.Threshold, "home/+/temperature", null, AlertOperator.Above, 25, 0, 0, 0,
            TimeSpan.FromSeconds(10), AlertSeverity.Warning, true), rule);
        Assert.Equal("> 25 for 10 s", rule.DescribeCondition());
    }

    [Fact]
    public void Names_and_filters_are_trimmed_and_every_operator_is_understood()
    {
        foreach (var (text, op) in new[] { (">", AlertOperator.Above), (">=", AlertOperator.AtLeast), ("<", AlertOperator.Below),
            ("<=", AlertOperator.AtMost), ("==", AlertOperator.Equal), ("!=", AlertOperator.NotEqual), (" Outside ", AlertOperator.Outside) })
        {
            var input = Hot();
            input.Name = "  Hot  ";
            input.Filter = " home/# ";
            input.Operator = text;
            input.Low = 1;
            input.High = 2;
            var rule = Validate(input).Rule!;
            Assert.Equal(op, rule.Operator);
            Assert.Equal("Hot", rule.Name);
            Assert.Equal("home/#", rule.Filter);
        }
    }

    [Theory]
    [InlineData("a/#/b")]
    [InlineData("home/temp+")]
    [InlineData("#/x")]
    public void An_invalid_topic_filter_is_refused_with_a_message_that_explains_wildcards(string filter)
    {
        var input = Hot();
        input.Filter = filter;

        var message = ErrorFor(input, "filter");

        Assert.Contains($"'{filter}' is not a valid topic filter", message);
        Assert.Contains("+ stands for one whole level", message);
    }

    [Fact]
    public void Missing_name_filter_and_operator_are_each_named()
    {
        var result = Validate(new AlertRuleInput());

        Assert.Equal("Give the rule a name.", result.ErrorFor("name"));
        Assert.Equal("A topic filter is needed, e.g. home/+/temperature.", result.ErrorFor("filter"));
        Assert.StartsWith("Choose an operator", result.ErrorFor("operator"));
        Assert.Equal("The threshold is needed.", result.ErrorFor("threshold"));
    }

    [Theory]
    [InlineData(double.NaN, "The threshold must be a finite number, not NaN.")]
    [InlineData(double.PositiveInfinity, "The threshold must be a finite number, not Infinity.")]
    public void A_threshold_that_is_not_a_finite_number_is_refused(double threshold, string expected)
    {
        var input = Hot();
        input.Threshold = threshold;

        Assert.Equal(expected, ErrorFor(input, "threshold"));
    }

    [Fact]
    public void An_unknown_operator_kind_or_severity_is_named_in_the_message()
    {
        var input = Hot();
        input.Operator = "=>";
        input.Severity = "urgent";
        var result = Validate(input);

        Assert.Equal("Unknown operator '=>': use >, >=, <, <=, ==, != or outside.", result.ErrorFor("operator"));
        Assert.Equal("Unknown severity 'urgent': use info, warning or critical.", result.ErrorFor("severity"));

        input = Hot();
        input.Kind = "sometimes";
        Assert.Equal("Unknown kind 'sometimes': use threshold, presence, staleness or health.", ErrorFor(input, "kind"));
    }

    [Fact]
    public void A_range_needs_both_ends_in_order_and_a_hysteresis_that_lets_it_clear()
    {
        var input = Hot();
        input.Operator = "outside";
        input.Low = 24;
        input.High = 18;
        Assert.Equal("The high end must be above the low end.", ErrorFor(input, "high"));

        input.High = null;
        Assert.Equal("The high end of the range is needed.", ErrorFor(input, "high"));

        input.Low = 18;
        input.High = 24;
        input.Hysteresis = 3.5;
        Assert.Equal("Hysteresis can be at most half the range (3), or the alert could never clear.", ErrorFor(input, "hysteresis"));

        input.Hysteresis = 3;
        Assert.Equal("outside 18 … 24 for 10 s (clears inside 21 … 21)", Validate(input).Rule!.DescribeCondition());
    }

    [Fact]
    public void Hysteresis_must_be_positive_and_only_for_ordered_comparisons()
    {
        var input = Hot();
        input.Hysteresis = -1;
        Assert.StartsWith("Hysteresis is a number of zero or more", ErrorFor(input, "hysteresis"));

        input.Hysteresis = 1;
        input.Operator = "==";
        Assert.Equal("Hysteresis applies to >, >=, <, <= and outside, not to == or !=.", ErrorFor(input, "hysteresis"));

        input.Operator = ">";
        Assert.Equal("> 25 for 10 s (clears at 24)", Validate(input).Rule!.DescribeCondition());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(604_801)]
    [InlineData(double.NaN)]
    public void Durations_are_bounded(double seconds)
    {
        var input = Hot();
        input.ForSeconds = seconds;

        Assert.Equal("Give a number of seconds from 0 to 604800 (7 days).", ErrorFor(input, "forSeconds"));
    }

    [Fact]
    public void Names_are_unique_ignoring_case_and_bounded()
    {
        Assert.Equal("Another rule is already called 'Too hot'.", Validate(Hot(), "TOO HOT").ErrorFor("name"));
        Assert.True(Validate(Hot(), "Too cold").IsValid);

        var input = Hot();
        input.Name = new string('x', 101);
        Assert.Equal("Use at most 100 characters.", ErrorFor(input, "name"));
    }

    [Fact]
    public void Presence_and_staleness_rules_need_no_operator_and_keep_only_their_own_fields()
    {
        var presence = Validate(new AlertRuleInput { Kind = "presence", Name = "Offline", Filter = "home/+", Metric = "x", Operator = "?", Threshold = double.NaN, ForSeconds = 30 }).Rule!;
        Assert.Equal(AlertRuleKind.Presence, presence.Kind);
        Assert.Null(presence.Metric);
        Assert.Equal(0, presence.Threshold);
        Assert.Equal("offline for more than 30 s", presence.DescribeCondition());

        var staleness = Validate(new AlertRuleInput { Kind = "staleness", Name = "Silent", Filter = "home/#", Metric = "temperature", ForSeconds = 120, Severity = "critical" }).Rule!;
        Assert.Equal("temperature", staleness.Metric);
        Assert.Equal(AlertSeverity.Critical, staleness.Severity);
        Assert.Equal("no reading for 2 min", staleness.DescribeCondition());

        Assert.Equal("Say how long a series may stay silent: at least 1 second.",
            ErrorFor(new AlertRuleInput { Kind = "staleness", Name = "Silent", Filter = "#" }, "forSeconds"));
        Assert.Equal("A device filter is needed, e.g. home/+ or home/sensor1.",
            ErrorFor(new AlertRuleInput { Kind = "presence", Name = "Offline" }, "filter"));
    }

    [Fact]
    public void A_rule_read_back_into_the_form_validates_to_the_same_rule()
    {
        var input = Hot();
        input.Operator = "outside";
        input.Low = -5;
        input.High = 30.5;
        input.Hysteresis = 0.5;
        input.Metric = "temperature";
        input.Severity = "info";
        input.Enabled = false;
        var rule = Validate(input).Rule!;

        Assert.Equal(rule, Validate(AlertRuleInput.From(rule)).Rule);
    }
}
