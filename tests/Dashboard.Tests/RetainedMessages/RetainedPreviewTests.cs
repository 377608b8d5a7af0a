using System.Text;
using Dashboard.RetainedMessages;

namespace Dashboard.Tests.RetainedMessages;

public sealed class RetainedPreviewTests
{
    [Fact]
    public void Short_text_is_shown_as_it_is() => Assert.Equal(("23.5 °C", false), Preview("23.5 °C"));

    [Fact]
    public void Long_text_is_cut_with_an_ellipsis()
    {
        var (text, binary) = Preview(new string('x', 500));
        Assert.False(binary);
        Assert.Equal(new string('x', RetainedAdmin.PreviewChars) + "…", text);
    }

    [Fact]
    public void A_payload_longer_than_its_start_is_cut_at_a_character_boundary()
    {
        var payload = Encoding.UTF8.GetBytes(new string('é', 200)); // 400 bytes; the start ends inside a character
        var (text, binary) = RetainedAdmin.Preview(payload.AsSpan(0, 255), payload.Length);
        Assert.False(binary);
        Assert.EndsWith("é…", text);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x00, 0x01 })] // not UTF-8
    [InlineData(new byte[] { 0x41, 0x00, 0x42 })] // a NUL: a binary format, not text
    public void Binary_payloads_get_no_text(byte[] payload) => Assert.Equal((null, true), RetainedAdmin.Preview(payload, payload.Length));

    [Fact]
    public void Json_with_newlines_is_text() => Assert.Equal(("{\n  \"on\": true\n}", false), Preview("{\n  \"on\": true\n}"));

    private static (string? Text, bool Binary) Preview(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return RetainedAdmin.Preview(bytes.AsSpan(0, Math.Min(bytes.Length, 256)), bytes.Length);
    }
}
