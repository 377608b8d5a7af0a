using System.Text;
using Dashboard.Broker;
using Dashboard.Broker.Admin;
using Dashboard.EventLog;

namespace Dashboard.RetainedMessages;

/// <summary>A retained message as the API and the Retained page show it; <see cref="Preview"/> is text, or null for a binary payload.</summary>
public sealed record RetainedDto(string Topic, long Size, int Qos, DateTimeOffset? Since, string? Preview, bool Binary, string? ContentType);

public sealed record RetainedPage(IReadOnlyList<RetainedDto> Items, int Total, int Page, int Limit);

/// <summary>The retained messages for admins: listed and searched, and deleted with the deletion recorded in the event log.</summary>
public sealed class RetainedAdmin(BrokerRetained retained, EventLogService log)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
    public const int PreviewChars = 120;

    /// <summary>
    /// A page of retained messages by topic: <paramref name="prefix"/> the start of the topic, <paramref name="search"/>
    /// text in the topic or the payload's preview (any case).
    /// </summary>
    public async Task<RetainedPage> PageAsync(string? prefix, string? search, int page = 1, int limit = DefaultLimit)
    {
        limit = Math.Clamp(limit, 1, MaxLimit);
        page = Math.Max(page, 1);
        var all = (await retained.ListAsync()).Select(ToDto);
        if (!string.IsNullOrEmpty(prefix))
        {
            all = all.Where(m => m.Topic.StartsWith(prefix, StringComparison.Ordinal));
        }

        if (!string.IsNullOrWhiteSpace(search))
        {
            var text = search.Trim();
            all = all.Where(m => m.Topic.Contains(text, StringComparison.OrdinalIgnoreCase) || m.Preview?.Contains(text, StringComparison.OrdinalIgnoreCase) == true);
        }

        var matching = all.ToList();
        return new RetainedPage([.. matching.Skip((int)Math.Min((page - 1L) * limit, int.MaxValue)).Take(limit)], matching.Count, page, limit);
    }

    /// <summary>How many retained messages a topic filter (or a topic) matches: what a delete would delete.</summary>
    public async Task<int> CountAsync(string filter) => (await retained.TopicsAsync(filter)).Count;

    /// <summary>Deletes what <paramref name="filter"/> matches (a topic, <c>home/#</c>, <c>#</c>) and records it; returns how many.</summary>
    public async Task<int> DeleteAsync(string filter, string? by)
    {
        var deleted = await retained.DeleteAsync(filter, $"this dashboard ({by})");
        if (deleted > 0)
        {
            var what = MqttTopic.IsValidTopicName(filter) ? $"deleted the retained message of {filter}"
                : $"deleted {deleted} retained message{(deleted == 1 ? "" : "s")} under {filter}";
            await log.RecordAdminActionAsync(by, what, filter);
        }

        return deleted;
    }

    /// <summary>Null when <paramref name="filter"/> is a topic or a topic filter a delete takes, else why not.</summary>
    public static string? FilterError(string? filter) =>
        string.IsNullOrEmpty(filter) ? "Give a topic, or a filter such as home/# (# for all)."
        : filter.StartsWith('$') && !filter.StartsWith("$SYS/broker/connection/", StringComparison.Ordinal) // bridges' states may go
            ? "The broker's own $ topics are not deleted."
        : MqttTopic.IsValidFilter(filter) ? null
        : $"'{filter}' is not a valid topic or topic filter.";

    internal static RetainedDto ToDto(RetainedMessageInfo message)
    {
        var (preview, binary) = Preview(message.PayloadStart.Span, message.Size);
        return new RetainedDto(message.Topic, message.Size, message.Qos, message.Since, preview, binary, message.ContentType);
    }

    /// <summary>The start of the payload as text (at most <see cref="PreviewChars"/> characters, … when cut), or binary when it is not UTF-8 text.</summary>
    internal static (string? Text, bool Binary) Preview(ReadOnlySpan<byte> start, long size)
    {
        // The start may end inside a character: cut back to a character boundary before decoding.
        var length = start.Length;
        if (size > start.Length)
        {
            while (length > 0 && (start[length - 1] & 0xC0) == 0x80)
            {
                length--;
            }

            if (length > 0 && start[length - 1] >= 0xC0)
            {
                length--;
            }
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(start[..length]);
        }
        catch (DecoderFallbackException)
        {
            return (null, true);
        }

        if (text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
        {
            return (null, true);
        }

        var cut = text.Length > PreviewChars || size > start.Length;
        return ((text.Length > PreviewChars ? text[..PreviewChars] : text) + (cut ? "…" : ""), false);
    }
}
