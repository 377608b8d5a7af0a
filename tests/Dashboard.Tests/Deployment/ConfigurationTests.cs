using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Dashboard.Accounts;
using Dashboard.Broker;
using Dashboard.Devices;
using Dashboard.Storage;
using Microsoft.Extensions.Configuration;

namespace Dashboard.Tests.Deployment;

/// <summary>
/// Each setting's default is written once, in its options class (class <c>XOptions</c> binds section <c>X</c>), and the
/// README's configuration table lists every setting with that default.
/// </summary>
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

    [Fact]
    public void Every_setting_is_in_the_readme_with_its_default()
    {
        var documented = ReadmeTable();

        List<string> wrong = [.. Settings().Where(setting => documented.GetValueOrDefault(setting.Key) != setting.Value)
            .Select(setting => $"{setting.Key}: the code says {setting.Value}, the README {documented.GetValueOrDefault(setting.Key) ?? "nothing"}")];

        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
    }

    [Fact]
    public void Every_key_in_the_readme_is_a_setting()
    {
        var settings = Settings();

        Assert.Empty(ReadmeTable().Keys.Except(settings.Keys));
    }

    /// <summary>Every configurable key with its default, formatted as the README shows it (also what docker-compose.yml may set).</summary>
    internal static Dictionary<string, string> Settings()
    {
        var settings = OptionsClasses.SelectMany(type => Settings(SectionOf(type)!, Activator.CreateInstance(type)!)).ToDictionary();
        settings["ConnectionStrings:Dashboard"] = StorageFeature.DefaultConnectionString;
        // ASP.NET Core's own, documented because they open the TLS listeners.
        settings["Kestrel:Certificates:Default:Path"] = Format(null);
        settings["Kestrel:Certificates:Default:KeyPath"] = Format(null);
        return settings;
    }

    private static IEnumerable<KeyValuePair<string, string>> Settings(string prefix, object options)
    {
        // A property without a public setter is filled in by code, not configuration (IngestionOptions.OwnTopicPrefixes).
        foreach (var property in options.GetType().GetProperties().Where(p => p.SetMethod is { IsPublic: true }))
        {
            var key = $"{prefix}:{property.Name}";
            var value = property.GetValue(options);
            var nested = property.PropertyType.IsClass && property.PropertyType != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(property.PropertyType);
            foreach (var setting in nested ? Settings(key, value!) : [new(key, Format(value))])
            {
                yield return setting;
            }
        }
    }

    /// <summary>A default as the README's table writes it.</summary>
    private static string Format(object? value) => value switch
    {
        null or "" => "empty",
        string text => text,
        bool flag => flag ? "true" : "false",
        TimeSpan time => time.ToString(time.Days > 0 ? @"d\.hh\:mm\:ss" : @"hh\:mm\:ss", CultureInfo.InvariantCulture)
            + (time.Milliseconds > 0 ? time.ToString(@"\.fff", CultureInfo.InvariantCulture) : ""),
        IEnumerable<string> list => $"[{string.Join(", ", list.Select(item => $"\"{item}\""))}]",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => throw new NotSupportedException($"No README format for {value.GetType()}: add one here."),
    };

    /// <summary>
    /// The README's "Configuration" table: key to default. A key cell is one code span; a default cell is <c>empty</c>
    /// or starts with the value as a code span (a note may follow, as in <c>`0` (off)</c>).
    /// </summary>
    private static Dictionary<string, string> ReadmeTable()
    {
        var rows = File.ReadAllLines(RepoFiles.Path("README.md"))
            .SkipWhile(line => line != "## Configuration")
            .SkipWhile(line => !line.StartsWith("| key | default |", StringComparison.Ordinal))
            .Skip(2)
            .TakeWhile(line => line.StartsWith('|'));

        var table = new Dictionary<string, string>();
        foreach (var row in rows)
        {
            var match = Regex.Match(row, @"^\| `([^`]+)` \| (?:`([^`]*)`[^|]*|(empty)) \|");
            Assert.True(match.Success, $"README configuration row not in the form | `key` | `default` or empty | meaning |: {row}");
            table.Add(match.Groups[1].Value, match.Groups[2].Success ? match.Groups[2].Value : match.Groups[3].Value);
        }

        Assert.NotEmpty(table);
        return table;
    }

    private static string? SectionOf(Type type) =>
        type.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field ? (string?)field.GetRawConstantValue() : null;
}
