using System.Text.Json;
using Dashboard.Storage;
using Microsoft.Data.Sqlite;
using YamlDotNet.RepresentationModel;

namespace Dashboard.Tests.Deployment;

/// <summary>There is no Docker engine here to run docker-compose.yml: these keep it in line with appsettings.json, the default database path and the Dockerfile.</summary>
public sealed class ComposeFileTests
{
    private static YamlMappingNode Dashboard => ComposeFile.Service("dashboard");

    [Theory]
    [InlineData("Http")]
    [InlineData("Mqtt")]
    [InlineData("MqttWebSockets")]
    public void Every_endpoint_port_of_appsettings_is_published(string endpoint)
    {
        var port = new Uri(AppSetting("Kestrel", "Endpoints", endpoint, "Url")).Port;

        var published = ((YamlSequenceNode)Dashboard["ports"]).Select(p => p.ToString().Split(':'));

        Assert.Contains(published, mapping => mapping.Length == 2 && mapping[1] == port.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void The_database_directory_is_a_volume()
    {
        var dataSource = new SqliteConnectionStringBuilder(StorageFeature.DefaultConnectionString).DataSource;
        var workDir = DockerfileStage("dashboard").Single(l => l.StartsWith("WORKDIR ", StringComparison.Ordinal))["WORKDIR ".Length..].Trim();
        var expected = $"{workDir.TrimEnd('/')}/{Path.GetDirectoryName(dataSource)}";

        var volumes = ((YamlSequenceNode)Dashboard["volumes"]).Select(v => v.ToString().Split(':')[1]);

        Assert.Contains(expected, volumes);
        Assert.Contains(DockerfileStage("dashboard"), l => l == $"VOLUME {expected}");
    }

    [Fact]
    public void Every_service_built_here_builds_an_existing_dockerfile_stage()
    {
        foreach (var (name, service) in ComposeFile.Services.Children.Where(s => ((YamlMappingNode)s.Value).Children.ContainsKey("build")))
        {
            var target = ((YamlMappingNode)((YamlMappingNode)service)["build"])["target"].ToString();
            Assert.True(DockerfileStage(target).Count > 0, $"service {name} builds stage {target}, which the Dockerfile lacks");
        }
    }

    [Fact]
    public void The_simulator_points_at_the_dashboard_service_and_its_mqtt_port()
    {
        var command = ((YamlSequenceNode)ComposeFile.Service("simulator")["command"]).Select(c => c.ToString()).ToList();
        var mqttPort = new Uri(AppSetting("Kestrel", "Endpoints", "Mqtt", "Url")).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal("dashboard", command[command.IndexOf("--host") + 1]);
        Assert.Equal(mqttPort, command[command.IndexOf("--port") + 1]);
    }

    internal static string AppSetting(params string[] path)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(RepoFiles.Path("appsettings.json")));
        var element = json.RootElement;
        foreach (var key in path)
        {
            element = element.GetProperty(key);
        }

        return element.GetString()!;
    }

    /// <summary>The instructions of one `FROM ... AS stage` section of the Dockerfile.</summary>
    private static List<string> DockerfileStage(string stage) =>
        [.. File.ReadAllLines(RepoFiles.Path("Dockerfile"))
            .SkipWhile(l => !(l.StartsWith("FROM ", StringComparison.Ordinal) && l.EndsWith($" AS {stage}", StringComparison.Ordinal)))
            .Skip(1)
            .TakeWhile(l => !l.StartsWith("FROM ", StringComparison.Ordinal))
            .Select(l => l.Trim())];
}
