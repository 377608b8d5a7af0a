using Dashboard.History;

namespace Dashboard.Tests.History;

public sealed class CsvTests
{
    [Theory]
    [InlineData("home/sensor1/temperature", "home/sensor1/temperature")]
    [InlineData("", "")]
    [InlineData(null, "")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("cr\rhere", "\"cr\rhere\"")]
    [InlineData("°C", "°C")]
    public void Fields_are_quoted_only_when_RFC_4180_needs_it(string? value, string expected)
    {
        Assert.Equal(expected, Csv.Field(value));
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+1", "'+1")]
    [InlineData("-cmd", "'-cmd")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("\rx", "\"'\rx\"")]
    [InlineData("home/=a", "home/=a")]
    public void Text_a_spreadsheet_would_run_as_a_formula_gets_a_leading_quote(string value, string expected)
    {
        Assert.Equal(expected, Csv.Field(value));
    }
}
