using ArchUnitNET.Domain;
using ArchUnitNET.Loader;
using Dashboard.Broker;

namespace Dashboard.Tests.Architecture;

/// <summary>
/// Every dependency between the features points one way (docs/architecture.md): this reads the compiled assemblies,
/// method bodies included, and fails with the edges that point the wrong way.
/// </summary>
public sealed class DependencyTests
{
    /// <summary>Each feature (the namespace under <c>Dashboard.</c>) and the features it may use; anything else is a wrong arrow.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Common"] = [],
        ["Broker"] = ["Common"],
        ["Storage"] = ["Broker"],
        ["ScaleOut"] = ["Broker"],
        ["Readings"] = [],
        ["Devices"] = ["Readings"],
        ["Ingestion"] = ["Common", "Broker", "Readings", "Devices"],
        ["Accounts"] = ["Common", "Broker", "Storage"],
        ["Live"] = ["Common", "Broker", "Ingestion", "Readings", "Devices"],
        ["History"] = ["Common", "Broker", "Storage", "Ingestion", "Readings", "Devices", "ScaleOut"],
        ["DeviceMapping"] = ["Common", "Storage", "Devices", "Accounts", "ScaleOut"],
        ["Alerts"] = ["Common", "Broker", "Storage", "Ingestion", "Readings", "Devices", "Live", "Accounts", "ScaleOut"],
        ["Registry"] = ["Broker", "Storage", "Readings", "Devices", "Live", "History", "Accounts"],
        ["Controls"] = ["Common", "Broker", "Storage", "Ingestion", "Readings", "Devices", "Live", "Accounts", "ScaleOut"],
        ["Health"] = ["Broker", "Storage"],
        ["Monitoring"] = ["Broker", "Ingestion", "Live", "History", "Alerts"],
        ["Backups"] = ["Common", "Storage", "Accounts"],
        ["BrokerAdmin"] = ["Common", "Broker", "Accounts"],
        ["EventLog"] = ["Common", "Broker", "Storage", "Accounts", "ScaleOut"],
        ["Clients"] = ["Broker", "Accounts", "EventLog"],
        ["RetainedMessages"] = ["Broker", "Accounts", "EventLog"],
        ["Boards"] = ["Common", "Storage", "Accounts"],
        ["Components"] = ["Common", "Broker", "Storage", "Readings", "Devices", "Ingestion", "Accounts", "Live", "History", "Alerts", "Registry", "DeviceMapping", "Backups",
            "EventLog", "Clients", "RetainedMessages", "Controls", "Boards"],
    };

    private static readonly Lazy<ArchUnitNET.Domain.Architecture> Assemblies = new(() => new ArchLoader()
        .LoadAssemblies(typeof(Program).Assembly, typeof(BrokerFeature).Assembly, typeof(global::Dashboard.Common.LogLimiter).Assembly)
        .Build());

    [Fact]
    public void Every_feature_uses_only_the_features_below_it()
    {
        var wrong = Edges()
            .Where(e => !Allowed.TryGetValue(e.From, out var allowed) || !allowed.Contains(e.To))
            .GroupBy(e => (e.From, e.To), e => e.Example)
            .Select(g => $"{g.Key.From} -> {g.Key.To} (e.g. {g.First()})")
            .Order()
            .ToList();

        Assert.True(wrong.Count == 0, "Dependencies that point the wrong way:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void Every_feature_is_in_the_table()
    {
        var features = Assemblies.Value.Types.Select(t => Feature(t.Namespace?.FullName)).OfType<string>().Distinct();

        Assert.Empty(features.Except(Allowed.Keys));
    }

    [Fact]
    public void The_broker_assembly_references_nothing_of_the_dashboard()
    {
        var references = typeof(BrokerFeature).Assembly.GetReferencedAssemblies().Select(a => a.Name);

        Assert.DoesNotContain("Dashboard", references);
    }

    /// <summary>Feature to feature, with one type pair that makes each edge.</summary>
    private static IEnumerable<(string From, string To, string Example)> Edges()
    {
        foreach (var type in Assemblies.Value.Types)
        {
            if (Feature(type.Namespace?.FullName) is not { } from)
            {
                continue;
            }

            foreach (var dependency in type.Dependencies)
            {
                if (Feature(dependency.Target?.Namespace?.FullName) is { } to && to != from)
                {
                    yield return (from, to, $"{type.Name} uses {dependency.Target!.Name}");
                }
            }
        }
    }

    /// <summary><c>Dashboard.History.Queries</c> → <c>History</c>; null for the root (Program) and other assemblies' namespaces.</summary>
    private static string? Feature(string? ns)
    {
        var parts = (ns ?? "").Split('.');
        return parts.Length >= 2 && parts[0] == "Dashboard" ? parts[1] : null;
    }
}
