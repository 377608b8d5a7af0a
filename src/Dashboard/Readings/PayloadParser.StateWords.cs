using System.Text;

namespace Dashboard.Readings;

// State words (any case) mean 1 or 0: on/off, true/false, yes/no, open/closed.
public static partial class PayloadParser
{
    private static bool TryMatchStateWord(ReadOnlySpan<byte> text, out bool on)
    {
        on = true;
        if (Ascii.EqualsIgnoreCase(text, "on"u8) || Ascii.EqualsIgnoreCase(text, "true"u8)
            || Ascii.EqualsIgnoreCase(text, "yes"u8) || Ascii.EqualsIgnoreCase(text, "open"u8))
        {
            return true;
        }

        on = false;
        return Ascii.EqualsIgnoreCase(text, "off"u8) || Ascii.EqualsIgnoreCase(text, "false"u8)
            || Ascii.EqualsIgnoreCase(text, "no"u8) || Ascii.EqualsIgnoreCase(text, "closed"u8);
    }
}
