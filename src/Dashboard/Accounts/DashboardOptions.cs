using System.ComponentModel.DataAnnotations;

namespace Dashboard.Accounts;

/// <summary>The <c>Dashboard</c> configuration section: the headless admin and the login rules.</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>
    /// <c>Dashboard:Admin:Username</c> / <c>Password</c> (env <c>Dashboard__Admin__Username</c>): created as an admin at start
    /// when no account of that name exists, so docker and tests need no onboarding. An existing account is left as it is.
    /// </summary>
    public HeadlessAdmin Admin { get; set; } = new();

    /// <summary>Failed sign-ins in a row that lock an account.</summary>
    [Range(1, 100)]
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>How long a locked account stays locked.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(5);

    [Range(8, 128)]
    public int MinPasswordLength { get; set; } = 8;

    /// <summary>How long a sign-in lasts without visiting (sliding).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromDays(14);

    public sealed class HeadlessAdmin
    {
        public string? Username { get; set; }
        public string? Password { get; set; }
    }
}
