namespace Dashboard.Broker.Auth;

/// <summary>Checks a user as typed in the API or the Settings page; messages name the field.</summary>
public static class BrokerUserValidator
{
    public const int MaxNameLength = 64;
    public const int MaxPasswordLength = 256;
    public const int MaxAclEntries = 100;
    public const int MaxFilterLength = 256;

    public static string? NameError(string? name) =>
        string.IsNullOrWhiteSpace(name) ? "A name is required."
        : name.Length > MaxNameLength ? $"The name is longer than {MaxNameLength} characters."
        : name.AsSpan().IndexOfAny("+#/") >= 0 || name.Any(char.IsControl) || name != name.Trim()
            ? "The name may not contain +, #, / or control characters, nor start or end with a space (it is used for %u in ACLs)."
        : null;

    public static string? PasswordError(string? password, bool required, int minLength = 1) =>
        password is null ? (required ? "A password is required." : null)
        : password.Length == 0 ? "The password may not be empty."
        : password.Length < minLength ? $"The password needs at least {minLength} characters."
        : password.Length > MaxPasswordLength ? $"The password is longer than {MaxPasswordLength} characters."
        : null;

    /// <summary>The entries parsed, or the errors under <c>acl</c>.</summary>
    public static (List<AclEntry> Entries, List<string> Errors) ParseAcl(IReadOnlyList<AclEntryInput>? input)
    {
        var entries = new List<AclEntry>();
        var errors = new List<string>();
        if (input is null)
        {
            return (entries, errors);
        }

        if (input.Count > MaxAclEntries)
        {
            errors.Add($"At most {MaxAclEntries} ACL entries.");
            return (entries, errors);
        }

        for (var i = 0; i < input.Count; i++)
        {
            var filter = input[i]?.Filter?.Trim();
            if (string.IsNullOrEmpty(filter) || filter.Length > MaxFilterLength || !MqttTopic.IsValidFilter(filter))
            {
                errors.Add($"Entry {i + 1}: '{filter}' is not a valid topic filter.");
                continue;
            }

            if (Acl.HasPartialSubstitution(filter))
            {
                errors.Add($"Entry {i + 1}: %u and %c must be a whole topic level, as in devices/%u/#.");
                continue;
            }

            if (ParseAccess(input[i]?.Access) is not { } access)
            {
                errors.Add($"Entry {i + 1}: access '{input[i]?.Access}' is not one of read, write, readwrite, deny.");
                continue;
            }

            entries.Add(new AclEntry(filter, access));
        }

        return (entries, errors);
    }

    public static AclAccess? ParseAccess(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "read" => AclAccess.Read,
        "write" => AclAccess.Write,
        "readwrite" or "read-write" or "read_write" => AclAccess.ReadWrite,
        "deny" => AclAccess.Deny,
        _ => null,
    };

    public static string Format(AclAccess access) => access.ToString().ToLowerInvariant();
}
