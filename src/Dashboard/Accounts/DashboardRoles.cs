namespace Dashboard.Accounts;

/// <summary>The dashboard's two roles: admins change things (settings, users, rules, publish), viewers only look.</summary>
public static class DashboardRoles
{
    public const string Admin = "Admin";
    public const string Viewer = "Viewer";

    public static readonly IReadOnlyList<string> All = [Admin, Viewer];

    /// <summary>Either role, as <c>[Authorize(Roles = …)]</c> and <c>AuthorizeView</c> write it: an account or an API key, not a kiosk.</summary>
    public const string AnyRole = Admin + "," + Viewer;

    public static bool IsKnown(string? role) => role is Admin or Viewer;
}

/// <summary>
/// Authorization policy names. The fallback policy (anyone signed in) guards every endpoint without its own; the default
/// policy (<c>[Authorize]</c>, every page) wants an account or an API key, so a kiosk link's browser, signed in for its
/// board's circuit only, is refused any page its circuit could be routed to.
/// </summary>
public static class DashboardPolicies
{
    /// <summary>Anything that changes state.</summary>
    public const string Admin = "Admin";
}
