using System.Text;
using Bunit;
using Dashboard.Components.Topics;

namespace Dashboard.Tests.Components;

public sealed class PayloadViewTests : BunitContext
{
    private IRenderedComponent<PayloadView> Show(byte[] payload, int? length = null) =>
        Render<PayloadView>(p => p.Add(v => v.Payload, payload).Add(v => v.Length, length ?? payload.Length));

    [Fact]
    public void Json_is_pretty_printed_and_keeps_its_characters()
    {
        var view = Show(Encoding.UTF8.GetBytes("""{"value":21.5,"unit":"°C"}"""));

        var pre = view.Find("pre.payload");
        Assert.Equal("json", pre.GetAttribute("data-kind"));
        Assert.Equal("{\n  \"value\": 21.5,\n  \"unit\": \"°C\"\n}", pre.TextContent.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Binary_is_a_hex_dump_with_offset_hex_and_ascii_columns_as_hexdump_C_prints_it()
    {
        var payload = Encoding.ASCII.GetBytes("Hello, sensor!\0\u0001").Concat(new byte[] { 0xFF, 0x41 }).ToArray();

        var view = Show(payload);

        Assert.Equal("binary", view.Find("pre.payload").GetAttribute("data-kind"));
        Assert.Equal(
            "00000000  48 65 6c 6c 6f 2c 20 73  65 6e 73 6f 72 21 00 01  |Hello, sensor!..|\n" +
            "00000010  ff 41                                             |.A|\n",
            view.Find("pre.payload").TextContent);
    }

    [Fact]
    public void A_long_binary_payload_is_dumped_up_to_a_limit_and_says_what_is_left()
    {
        var dump = PayloadView.Hex(new byte[PayloadView.MaxDumpBytes + 100]);

        Assert.Equal(PayloadView.MaxDumpBytes / 16 + 1, dump.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.EndsWith("… 100 more bytes not shown\n", dump);
    }

    [Fact]
    public void Markup_is_text()
    {
        var view = Show(Encoding.UTF8.GetBytes("<script>alert(1)</script>"));

        Assert.Empty(view.FindAll("script"));
        Assert.Equal("<script>alert(1)</script>", view.Find("pre.payload").TextContent);
    }

    [Fact]
    public void A_cut_payload_says_how_much_is_shown()
    {
        var view = Show(Encoding.UTF8.GetBytes("""{"a": 1, "b":"""), length: 10_000);

        Assert.Equal("text", view.Find("pre.payload").GetAttribute("data-kind"));
        Assert.Contains("First 13 of 10000 bytes.", view.Markup);
    }

    [Fact]
    public void An_empty_payload_says_so()
    {
        Assert.Equal("(empty payload)", Show([]).Find("pre.payload").TextContent);
    }
}
