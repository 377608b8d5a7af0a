using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Dashboard.Accounts;
using Dashboard.Broker;
using Dashboard.Broker.External;
using Dashboard.ScaleOut;
using Dashboard.Storage;
using Microsoft.Extensions.Configuration;
using Npgsql;
using StackExchange.Redis;
using YamlDotNet.RepresentationModel;

namespace Dashboard.Tests.Deployment;

/// <summary>
/// The <c>cluster</c> profile of docker-compose.yml (README "Run it as a cluster") cannot run here, with no Docker engine:
/// these catch what would only show there, a setting the dashboard does not have, two instances sharing one client id, a
/// host name no service answers to, a dashboard the proxy does not know.
/// </summary>
public sealed class ClusterComposeTests
{
    private static readonly Dictionary<string, YamlMappingNode> Cluster = ComposeFile.InProfile("cluster");

    /// <summary>The profile's dashboards (the services of the default dashboard's image), with their environment.</summary>
    private static readonly Dictionary<string, Dictionary<string, string>> Dashboards = Cluster
        .Where(service => service.Value.Children.TryGetValue("image", out var image) && image.ToString() == ComposeFile.Service("dashboard")["image"].ToString())
        .ToDictionary(service => service.Key, service => ComposeFile.Environment(service.Value));

    [Fact]
    public void Every_setting_of_the_dashboards_is_a_configuration_key()
    {
        var keys = ConfigurationTests.Settings().Keys.ToHashSet(StringComparer.OrdinalIgnoreCase);

        // ASPNETCORE_… are ASP.NET Core's own switches (FORWARDEDHEADERS_ENABLED), not the dashboard's settings.
        List<string> unknown = [.. Dashboards.SelectMany(dashboard => dashboard.Value.Keys
            .Where(variable => !variable.StartsWith("ASPNETCORE_", StringComparison.Ordinal) && !keys.Contains(ConfigurationKey(variable)))
            .Select(variable => $"{dashboard.Key}: {variable}"))];

        Assert.True(Dashboards.Count > 0, "the cluster profile has no service of the dashboard's image");
        Assert.True(unknown.Count == 0, "Not a setting of the dashboard (README, Configuration): " + string.Join(", ", unknown));
    }

    [Fact]
    public void Every_setting_of_the_dashboards_binds_to_its_options_and_passes_their_checks()
    {
        foreach (var environment in Dashboards.Values)
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(environment.Select(variable => KeyValuePair.Create(variable.Key.Replace("__", ":", StringComparison.Ordinal), (string?)variable.Value)))
                .Build();

            var broker = Bind<BrokerOptions>(configuration, BrokerOptions.Section);
            Assert.Equal(BrokerMode.External, broker.Mode);
            Assert.Empty(new ExternalBrokerOptionsValidator().Validate(null, broker).Failures ?? []);
            Assert.Equal(StorageProvider.PostgreSQL, StorageFeature.Provider(configuration));
            Assert.False(string.IsNullOrWhiteSpace(Bind<RedisOptions>(configuration, RedisOptions.Section).Configuration));
            Bind<DashboardOptions>(configuration, DashboardOptions.Section);
        }
    }

    [Fact]
    public void Every_dashboard_has_a_client_id_of_its_own()
    {
        List<string?> ids = [.. Dashboards.Values.Select(environment => environment.GetValueOrDefault("Broker__External__ClientId"))];

        Assert.True(ids.Count >= 2, "a cluster of one dashboard");
        Assert.All(ids, id => Assert.False(string.IsNullOrWhiteSpace(id), "a dashboard without Broker__External__ClientId takes its container's host name"));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void The_dashboards_reach_the_broker_database_and_redis_of_the_profile_by_service_name()
    {
        foreach (var environment in Dashboards.Values)
        {
            Assert.Contains(environment["Broker__External__Host"], Cluster.Keys);

            var database = new NpgsqlConnectionStringBuilder(environment["ConnectionStrings__Dashboard"]);
            Assert.Contains(database.Host!, Cluster.Keys);
            var postgres = ComposeFile.Environment(Cluster[database.Host!]);
            Assert.Equal(postgres["POSTGRES_USER"], database.Username);
            Assert.Equal(postgres["POSTGRES_DB"], database.Database);
            Assert.Equal(postgres["POSTGRES_PASSWORD"], database.Password);

            Assert.All(ConfigurationOptions.Parse(environment["Redis__Configuration"]).EndPoints, endpoint => Assert.Contains(((DnsEndPoint)endpoint).Host, Cluster.Keys));
        }
    }

    [Fact]
    public void The_proxy_and_emqx_publish_ports_and_the_dashboards_none()
    {
        Assert.All(Dashboards.Keys, name => Assert.Empty(ComposeFile.Strings(Cluster[name], "ports")));
        Assert.Contains("8080:8080", ComposeFile.Strings(Cluster["proxy"], "ports"));
        Assert.Contains("1883:1883", ComposeFile.Strings(Cluster["emqx"], "ports"));
    }

    [Fact]
    public void The_proxy_sends_browsers_to_every_dashboard_on_its_http_port()
    {
        var config = File.ReadAllText(MountedFile("proxy", "/etc/nginx/conf.d/default.conf"));
        var httpPort = new Uri(ComposeFileTests.AppSetting("Kestrel", "Endpoints", "Http", "Url")).Port;

        var servers = Regex.Matches(config, @"^\s*server\s+([\w.-]+):(\d+)\b", RegexOptions.Multiline)
            .Select(match => (Host: match.Groups[1].Value, Port: int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture)))
            .ToList();

        Assert.Equal(Dashboards.Keys.Order(), servers.Select(server => server.Host).Order());
        Assert.All(servers, server => Assert.Equal(httpPort, server.Port));
    }

    [Fact]
    public void Emqx_lets_the_dashboards_user_subscribe_to_every_topic_and_to_client_events()
    {
        var acl = File.ReadAllLines(MountedFile("emqx", "/opt/emqx/etc/acl.conf"));

        foreach (var user in Dashboards.Values.Select(environment => environment["Broker__External__Username"]).Distinct())
        {
            // The first rule that matches decides: this one must come before the stock rule that denies "#" and $SYS/#.
            var rule = acl.First(line => line.StartsWith('{'));
            Assert.Equal($$$"""{allow, {username, {re, "^{{{user}}}$"}}, subscribe, ["$SYS/#", "#"]}.""", rule);
        }
    }

    /// <summary><c>Broker__External__Topics__0</c> is <c>Broker:External:Topics</c>: an index level picks a list element.</summary>
    private static string ConfigurationKey(string variable) =>
        string.Join(':', variable.Split("__").Where(level => !level.All(char.IsAsciiDigit)));

    private static T Bind<T>(IConfiguration configuration, string section)
        where T : new() =>
        configuration.GetSection(section).Get<T>(binder => binder.ErrorOnUnknownConfiguration = true) ?? new T();

    /// <summary>The repository file a service mounts at <paramref name="target"/>.</summary>
    private static string MountedFile(string service, string target)
    {
        var source = ComposeFile.Strings(Cluster[service], "volumes").Select(volume => volume.Split(':')).Single(parts => parts[1] == target)[0];
        var path = RepoFiles.Path(source);
        Assert.True(File.Exists(path), $"{service} mounts {source}, which is not in the repository");
        return path;
    }
}
