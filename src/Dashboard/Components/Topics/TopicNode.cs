using Dashboard.Live;

namespace Dashboard.Components.Topics;

/// <summary>One level of the topic tree: <c>home</c>, <c>home/livingroom</c>, ... and, when messages arrive on it, the topic itself.</summary>
internal sealed class TopicNode(string name, string path)
{
    public string Name { get; } = name;
    public string Path { get; } = path;
    public TopicSnapshot? Topic { get; private set; }
    public SortedDictionary<string, TopicNode> Children { get; } = new(StringComparer.Ordinal);

    /// <summary>Topics at or below this node.</summary>
    public int TopicCount { get; private set; }

    public static TopicNode Build(IEnumerable<TopicSnapshot> topics)
    {
        var root = new TopicNode("", "");
        foreach (var topic in topics)
        {
            var node = root;
            node.TopicCount++;
            var levels = topic.Topic.Split('/');
            for (var i = 0; i < levels.Length; i++)
            {
                var path = i == 0 ? levels[0] : node.Path + "/" + levels[i];
                if (!node.Children.TryGetValue(levels[i], out var child))
                {
                    child = new TopicNode(levels[i].Length == 0 ? "(empty)" : levels[i], path);
                    node.Children.Add(levels[i], child);
                }

                node = child;
                node.TopicCount++;
            }

            node.Topic = topic;
        }

        return root;
    }
}
