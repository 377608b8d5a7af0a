using System.Reflection;
using Dashboard.Accounts;
using Dashboard.Broker;
using Dashboard.Devices;
using Microsoft.Extensions.Configuration;

namespace Dashboard.Tests.Deployment;

/// <summary>Each setting's default is written once, in its options class (class <c>XOptions</c> binds section <c>X</c>).</summary>
public sealed class ConfigurationTests
{
    /// <summary>The options classes of the web and broker assemblies: named *Options, with a <c>Section</c> constant.</summary>
    private static readonly Type[] OptionsClasses =
        [.. new[] { typeof(DashboardOptions).Assembly, typeof(BrokerOptions).Assembly }
            .SelectMany(assembly => assembly.GetTypes())
            .Where(type => type.Name.EndsWith("Options", StringComparison.Ordinal) && SectionOf(type) is not null)];

    [Fact]
    public void Every_options_class_is_named_after_its_section()
    {
        Assert.Contains(typeof(BrokerOptions), OptionsClasses);
        Assert.Contains(typeof(DevicesOptions), OptionsClasses);
        Assert.All(OptionsClasses, type => Assert.Equal(type.Name, SectionOf(type) + "Options"));
    }

    [Fact]
    public void Appsettings_json_repeats_no_default()
    {
        var keys = new ConfigurationBuilder().AddJsonFile(RepoFiles.Path("appsettings.json")).Build().AsEnumerable().Select(setting => setting.Key);
        var defaulted = OptionsClasses.Select(SectionOf).Append("ConnectionStrings:Dashboard");

        // Defaults live in the options classes (and StorageFeature); a copy here would drift from them.
        Assert.DoesNotContain(keys, key => defaulted.Any(prefix =>
            key.Equals(prefix, StringComparison.OrdinalIgnoreCase) || key.StartsWith(prefix + ":", StringComparison.OrdinalIgnoreCase)));
    }

    private static string? SectionOf(Type type) =>
        type.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field ? (string?)field.GetRawConstantValue() : null;
}
