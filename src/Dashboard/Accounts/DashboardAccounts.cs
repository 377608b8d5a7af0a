using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Accounts;

/// <summary>A dashboard account as the Settings page lists it.</summary>
public sealed record DashboardAccount(string Id, string UserName, string Role, DateTimeOffset? LockedUntil);

/// <summary>
/// Dashboard accounts over ASP.NET Core Identity's <see cref="UserManager{TUser}"/>: every account has exactly one role,
/// and there is always at least one admin (the last one cannot be deleted or demoted).
/// </summary>
public sealed class DashboardAccounts(UserManager<IdentityUser> users, TimeProvider clock)
{
    // Onboarding is a race by nature (the first visitor becomes the owner, as in Home Assistant); this makes it one
    // winner per process rather than two admins.
    private static readonly SemaphoreSlim FirstAdminGate = new(1, 1);

    public Task<bool> AnyAsync(CancellationToken cancellationToken = default) => users.Users.AnyAsync(cancellationToken);

    public async Task<IReadOnlyList<DashboardAccount>> ListAsync()
    {
        var admins = (await users.GetUsersInRoleAsync(DashboardRoles.Admin)).Select(u => u.Id).ToHashSet();
        var now = clock.GetUtcNow();
        return [.. (await users.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync())
            .Select(u => new DashboardAccount(u.Id, u.UserName!, admins.Contains(u.Id) ? DashboardRoles.Admin : DashboardRoles.Viewer,
                u.LockoutEnd > now ? u.LockoutEnd : null))];
    }

    public async Task<IReadOnlyList<string>> CreateAsync(string? userName, string? password, string? role)
    {
        if (!DashboardRoles.IsKnown(role))
        {
            return [$"The role is {DashboardRoles.Admin} or {DashboardRoles.Viewer}."];
        }

        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password))
        {
            return ["Enter a username and a password."];
        }

        var user = new IdentityUser(userName.Trim());
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            return Errors(created);
        }

        var added = await users.AddToRoleAsync(user, role!);
        return added.Succeeded ? [] : Errors(added);
    }

    /// <summary>Creates the first admin, only while there is no account at all (onboarding).</summary>
    public async Task<IReadOnlyList<string>> CreateFirstAdminAsync(string? userName, string? password)
    {
        await FirstAdminGate.WaitAsync();
        try
        {
            return await AnyAsync() ? ["An account exists already: sign in instead."] : await CreateAsync(userName, password, DashboardRoles.Admin);
        }
        finally
        {
            FirstAdminGate.Release();
        }
    }

    public async Task<IReadOnlyList<string>> SetRoleAsync(string id, string role)
    {
        if (!DashboardRoles.IsKnown(role))
        {
            return [$"The role is {DashboardRoles.Admin} or {DashboardRoles.Viewer}."];
        }

        if (await users.FindByIdAsync(id) is not { } user)
        {
            return ["That account no longer exists."];
        }

        var current = await users.IsInRoleAsync(user, DashboardRoles.Admin) ? DashboardRoles.Admin : DashboardRoles.Viewer;
        if (current == role)
        {
            return [];
        }

        if (current == DashboardRoles.Admin && await IsLastAdminAsync())
        {
            return ["This is the only admin: make another account an admin first."];
        }

        await users.RemoveFromRolesAsync(user, DashboardRoles.All);
        var result = await users.AddToRoleAsync(user, role);
        // A new role must reach the account's open pages and cookie now, not at its next sign-in.
        await users.UpdateSecurityStampAsync(user);
        return Errors(result);
    }

    /// <summary>Sets a new password, ends the account's sign-ins everywhere, and lifts a lockout.</summary>
    public async Task<IReadOnlyList<string>> ResetPasswordAsync(string id, string? password)
    {
        if (await users.FindByIdAsync(id) is not { } user)
        {
            return ["That account no longer exists."];
        }

        if (string.IsNullOrEmpty(password))
        {
            return ["Enter the new password."];
        }

        foreach (var validator in users.PasswordValidators)
        {
            var valid = await validator.ValidateAsync(users, user, password);
            if (!valid.Succeeded)
            {
                return Errors(valid);
            }
        }

        // Validated above, so adding cannot fail after removing; removing changes the security stamp, which signs the account out.
        var result = await users.RemovePasswordAsync(user);
        if (result.Succeeded)
        {
            result = await users.AddPasswordAsync(user, password);
        }

        if (result.Succeeded)
        {
            await users.SetLockoutEndDateAsync(user, null);
            await users.ResetAccessFailedCountAsync(user);
        }

        return Errors(result);
    }

    public async Task<IReadOnlyList<string>> DeleteAsync(string id, string? currentUserName)
    {
        if (await users.FindByIdAsync(id) is not { } user)
        {
            return [];
        }

        if (string.Equals(user.UserName, currentUserName, StringComparison.OrdinalIgnoreCase))
        {
            return ["You cannot delete the account you are signed in with."];
        }

        if (await users.IsInRoleAsync(user, DashboardRoles.Admin) && await IsLastAdminAsync())
        {
            return ["This is the only admin: make another account an admin first."];
        }

        return Errors(await users.DeleteAsync(user));
    }

    private async Task<bool> IsLastAdminAsync() => (await users.GetUsersInRoleAsync(DashboardRoles.Admin)).Count <= 1;

    private static IReadOnlyList<string> Errors(IdentityResult result) => [.. result.Errors.Select(e => e.Description)];
}
