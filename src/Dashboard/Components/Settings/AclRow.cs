using Dashboard.Broker.Auth;

namespace Dashboard.Components.Settings;

/// <summary>One ACL line being edited; becomes an <see cref="AclEntryInput"/> on save, so the validator sees exactly what was typed.</summary>
public sealed class AclRow
{
    public string Filter { get; set; } = "";
    public string Access { get; set; } = "readwrite";

    public static List<AclRow> From(IEnumerable<AclEntry> acl) =>
        [.. acl.Select(e => new AclRow { Filter = e.Filter, Access = BrokerUserValidator.Format(e.Access) })];

    public static List<AclEntryInput> ToInput(IEnumerable<AclRow> rows) => [.. rows.Select(r => new AclEntryInput(r.Filter, r.Access))];
}
