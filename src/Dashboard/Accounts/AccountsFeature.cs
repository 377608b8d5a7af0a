using Dashboard.Broker;
using Dashboard.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Dashboard.Accounts;

public static class AccountsFeature
{
    public const string LoginPath = "/account/login";
    public const string SetupPath = "/account/setup";
    public const string DeniedPath = "/account/denied";
    public const string LogoutPath = "/account/logout";

    // A request with an API key (X-Api-Key or Authorization: Bearer) is judged by the key alone; anything else by the sign-in cookie.
    private const string DashboardScheme = "Dashboard";

    /// <summary>
    /// Dashboard login (ASP.NET Core Identity, cookie), API keys for scripts, and the rule that every endpoint needs one
    /// of the two unless it says otherwise (<c>/healthz</c>, the login pages, static files, MQTT over WebSockets).
    /// </summary>
    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // The API reads JSON strictly: a key given twice is refused (400), not read as whichever came last.
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.AllowDuplicateProperties = false);

        // One password rule: broker users' passwords are held to the dashboard accounts' minimum.
        services.AddOptions<BrokerOptions>().PostConfigure<IOptions<DashboardOptions>>((broker, dashboard) =>
            broker.RequirePasswordLength(dashboard.Value.MinPasswordLength));
        var options = builder.Configuration.GetSection(DashboardOptions.Section).Get<DashboardOptions>() ?? new DashboardOptions();

        services.AddIdentityCore<IdentityUser>(identity =>
            {
                // Length over composition rules (NIST SP 800-63B): "correct horse battery staple" beats "P@ssw0rd".
                identity.Password.RequiredLength = options.MinPasswordLength;
                identity.Password.RequireDigit = false;
                identity.Password.RequireLowercase = false;
                identity.Password.RequireUppercase = false;
                identity.Password.RequireNonAlphanumeric = false;
                identity.Password.RequiredUniqueChars = 1;
                identity.Lockout.MaxFailedAccessAttempts = options.MaxFailedSignIns;
                identity.Lockout.DefaultLockoutTimeSpan = options.LockoutDuration;
                identity.Lockout.AllowedForNewUsers = true;
                identity.User.RequireUniqueEmail = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<DashboardDbContext>()
            .AddSignInManager();

        services.AddAuthentication(DashboardScheme)
            .AddPolicyScheme(DashboardScheme, "Sign-in cookie or API key", scheme => scheme.ForwardDefaultSelector = context =>
                ApiKeys.FromRequest(context.Request) is not null ? ApiKeyAuthenticationHandler.SchemeName : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies();
        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.Cookie.Name = "Dashboard.Auth";
            cookie.Cookie.HttpOnly = true;
            // Lax: no cookie on another site's POST (with JSON-only bodies, that is what stops cross-site requests).
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.LoginPath = LoginPath;
            cookie.LogoutPath = LogoutPath;
            cookie.AccessDeniedPath = DeniedPath;
            cookie.ExpireTimeSpan = options.SessionLifetime;
            cookie.SlidingExpiration = true;
            // Scripts and the hub get status codes, not a login page.
            cookie.Events.OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized);
            cookie.Events.OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden);
        });
        // How soon a deleted account, a new password or a new role ends an existing cookie.
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .SetDefaultPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(DashboardRoles.All).Build())
            .AddPolicy(DashboardPolicies.Admin, policy => policy.RequireRole(DashboardRoles.Admin));
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingAccountStateProvider>();

        // Sign-in cookies and form tokens are encrypted with these keys: kept beside the database (the docker volume), so a
        // restart or a new container does not sign everyone out.
        var keys = Path.Combine(StorageFeature.DataDirectory(builder.Configuration), "keys");
        StorageFeature.CreatePrivately(keys, databaseFile: null);
        services.AddDataProtection().SetApplicationName("Dashboard").PersistKeysToFileSystem(new DirectoryInfo(keys));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SignInThrottle>();
        services.AddScoped<ApiKeys>();
        services.AddScoped<DashboardAccounts>();
        services.AddHostedService<HeadlessAdmin>();
        return builder;
    }

    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        // A form post (the antiforgery token is checked because it reads the form), so another site cannot sign a user out.
        app.MapPost(LogoutPath, async (IFormCollection form, SignInManager<IdentityUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect(LoginPath);
        }).AllowAnonymous();
        app.MapApiKeyApi();
        return app;
    }

    private static Task RedirectOrStatus(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/hubs") || path.StartsWithSegments("/metrics"))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }

        return Task.CompletedTask;
    }
}
