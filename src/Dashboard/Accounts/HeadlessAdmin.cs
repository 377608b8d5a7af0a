using Dashboard.Broker.Status;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dashboard.Accounts;

/// <summary>
/// At start (after the database migration): makes sure the roles exist, and creates <c>Dashboard:Admin</c> when it is
/// configured and no account has its name. A password the rules refuse stops the start with the reason.
/// </summary>
internal sealed class HeadlessAdmin(
    IServiceScopeFactory scopes, IOptions<DashboardOptions> options, BrokerListeners listeners, ILogger<HeadlessAdmin> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in DashboardRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }

        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var admin = options.Value.Admin;
        if (string.IsNullOrWhiteSpace(admin.Username))
        {
            if (!await users.Users.AnyAsync(cancellationToken))
            {
                logger.LogWarning("No dashboard account yet: open {Url} to create the admin, or set Dashboard__Admin__Username and Dashboard__Admin__Password.",
                    DashboardUrl(AccountsFeature.SetupPath));
                return;
            }
        }
        else if (await users.FindByNameAsync(admin.Username.Trim()) is null)
        {
            var errors = await scope.ServiceProvider.GetRequiredService<DashboardAccounts>().CreateAsync(admin.Username, admin.Password, DashboardRoles.Admin);
            if (errors.Count > 0)
            {
                throw new InvalidOperationException($"Dashboard:Admin could not be created: {string.Join(" ", errors)}");
            }

            logger.LogInformation("Created the dashboard admin account {User} from configuration", admin.Username.Trim());
        }

        logger.LogInformation("Dashboard: {Url}", DashboardUrl("/"));
    }

    /// <summary>Where a browser on this machine finds the dashboard (Kestrel's 0.0.0.0 is no address to open).</summary>
    private string DashboardUrl(string path)
    {
        var url = (listeners.Find("Https") ?? listeners.Find("Http"))?.Url ?? "http://localhost:8080";
        foreach (var any in new[] { "0.0.0.0", "[::]", "+", "*" })
        {
            url = url.Replace("://" + any + ":", "://localhost:", StringComparison.Ordinal);
        }

        return url.TrimEnd('/') + path;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
