using Dashboard.Components.Account;

namespace Dashboard.Tests.Accounts;

public sealed class ReturnUrlTests
{
    [Theory]
    [InlineData("/devices", "/devices")]
    [InlineData("/history?series=a%7Cb&range=1h", "/history?series=a%7Cb&range=1h")]
    [InlineData(null, "/")]
    [InlineData("", "/")]
    [InlineData("//evil.example/login", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("javascript:alert(1)", "/")]
    [InlineData("devices", "/")]
    public void Only_a_path_on_this_site_is_followed_after_sign_in(string? returnUrl, string expected) =>
        Assert.Equal(expected, ReturnUrls.Safe(returnUrl));
}
