using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Dashboard.Tests.Deployment;

/// <summary>docker-compose.yml as Compose reads it: the YAML merge keys (<c>&lt;&lt;: *anchor</c>) applied.</summary>
internal static class ComposeFile
{
    public static YamlMappingNode Services { get; } = (YamlMappingNode)Load()["services"];

    public static YamlMappingNode Service(string name) => (YamlMappingNode)Services[name];

    /// <summary>The services that belong to <paramref name="profile"/>, by name.</summary>
    public static Dictionary<string, YamlMappingNode> InProfile(string profile) =>
        Services.Children
            .Where(service => Strings((YamlMappingNode)service.Value, "profiles").Contains(profile))
            .ToDictionary(service => service.Key.ToString(), service => (YamlMappingNode)service.Value);

    /// <summary>A service's environment mapping (empty when it has none).</summary>
    public static Dictionary<string, string> Environment(YamlMappingNode service) =>
        service.Children.TryGetValue("environment", out var environment)
            ? ((YamlMappingNode)environment).Children.ToDictionary(pair => pair.Key.ToString(), pair => pair.Value.ToString())
            : [];

    /// <summary>A list-valued key of a service (<c>profiles</c>, <c>volumes</c>, <c>ports</c>), empty when absent.</summary>
    public static List<string> Strings(YamlMappingNode service, string key) =>
        service.Children.TryGetValue(key, out var list) ? [.. ((YamlSequenceNode)list).Select(item => item.ToString())] : [];

    private static YamlMappingNode Load()
    {
        using var reader = new StringReader(File.ReadAllText(RepoFiles.Path("docker-compose.yml")));
        var yaml = new YamlStream();
        yaml.Load(new MergingParser(new Parser(reader)));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }
}
