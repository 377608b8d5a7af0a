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
}
