using System.Globalization;

namespace Dashboard.Components;

/// <summary>Counts as people write them: "1 message", "2 messages", "1,500 messages".</summary>
internal static class Words
{
    public static string Count(long count, string noun, string? plural = null) =>
        $"{count.ToString("N0", CultureInfo.InvariantCulture)} {(count == 1 ? noun : plural ?? noun + "s")}";
}
