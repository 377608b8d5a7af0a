namespace Dashboard.Accounts;

/// <summary>The dashboard's two roles: admins change things (settings, users, rules, publish), viewers only look.</summary>
public static class DashboardRoles
{
    public const string Admin = "Admin";
    public const string Viewer = "Viewer";

    public static readonly IReadOnlyList<string> All = [Admin, Viewer];

    public static bool IsKnown(string? role) => role is Admin or Viewer;
}

/// <summary>Authorization policy names. The fallback policy (any signed-in user or API key) guards everything else.</summary>
public static class DashboardPolicies
{
    /// <summary>Anything that changes state.</summary>
    public const string Admin = "Admin";
}
