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

    /// <summary>
    /// Failed sign-ins in a row that lock an account. One address gets one fewer within <see cref="LockoutDuration"/> before it
    /// is throttled (<see cref="SignInThrottle"/>), so a single address cannot lock anyone out.
    /// </summary>
    [Range(1, 100)]
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>How long a locked account stays locked.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Origins (<c>https://dashboard.example.org</c>) allowed besides the request's own to send writes and open the hubs:
    /// a reverse proxy that serves the dashboard under another name, port or scheme (<see cref="SameOriginRequests"/>).
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

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
