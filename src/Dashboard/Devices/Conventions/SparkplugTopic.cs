namespace Dashboard.Devices.Conventions;

/// <summary>The message types of Sparkplug B's topic namespace (specification, "Topics").</summary>
internal enum SparkplugMessage
{
    Birth,
    Data,
    Death,
    Command,
}

/// <summary>
/// A Sparkplug topic after <c>spBv1.0/</c>: <c>&lt;group_id&gt;/&lt;message_type&gt;/&lt;edge_node_id&gt;</c> for the edge
/// node's own messages (N…), with <c>/&lt;device_id&gt;</c> for a device's (D…). The ids may not contain <c>/</c>.
/// </summary>
internal readonly record struct SparkplugTopic(SparkplugMessage Type, string NodeId, string? Device)
{
    /// <summary><c>&lt;group&gt;/&lt;node&gt;</c>, or <c>&lt;group&gt;/&lt;node&gt;/&lt;device&gt;</c> for a device's message.</summary>
    public string DeviceId => Device is null ? NodeId : $"{NodeId}/{Device}";

    /// <summary>Where the node's or device's DATA comes: the topic its metrics' series are keyed by, births included.</summary>
    public string DataTopic => Device is null ? $"spBv1.0/{Group}/NDATA/{Node}" : $"spBv1.0/{Group}/DDATA/{Node}/{Device}";

    /// <summary>Where the edge node takes its commands (a rebirth request).</summary>
    public string NodeCommandTopic => $"spBv1.0/{Group}/NCMD/{Node}";

    private string Group => NodeId[..NodeId.IndexOf('/')];

    private string Node => NodeId[(NodeId.IndexOf('/') + 1)..];

    /// <summary>False for any other shape, such as a host application's <c>STATE/&lt;host_id&gt;</c>.</summary>
    public static bool TryParse(ReadOnlySpan<char> levels, out SparkplugTopic topic)
    {
        topic = default;
        Span<Range> parts = stackalloc Range[5];
        var count = levels.Split(parts, '/');
        if (count is not (3 or 4))
        {
            return false;
        }

        foreach (var part in parts[..count])
        {
            if (levels[part].IsEmpty)
            {
                return false;
            }
        }

        var (type, device) = levels[parts[1]] switch
        {
            "NBIRTH" => (SparkplugMessage.Birth, false),
            "NDATA" => (SparkplugMessage.Data, false),
            "NDEATH" => (SparkplugMessage.Death, false),
            "NCMD" => (SparkplugMessage.Command, false),
            "DBIRTH" => (SparkplugMessage.Birth, true),
            "DDATA" => (SparkplugMessage.Data, true),
            "DDEATH" => (SparkplugMessage.Death, true),
            "DCMD" => (SparkplugMessage.Command, true),
            _ => ((SparkplugMessage?)null, false),
        };
        if (type is not { } known || count != (device ? 4 : 3))
        {
            return false;
        }

        var nodeId = $"{levels[parts[0]]}/{levels[parts[2]]}";
        topic = new SparkplugTopic(known, nodeId, device ? levels[parts[3]].ToString() : null);
        return true;
    }
}
