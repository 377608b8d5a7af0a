using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Dashboard.Boards;

/// <summary>
/// How an anonymous wall tablet holding only a kiosk link gets its live page, and nothing else. Opening
/// <c>/kiosk/{token}</c> signs the browser in with a cookie of its own scheme, scoped to the link and its board, whose
/// path is <c>/_blazor</c>: the browser sends it nowhere else, and the dashboard's own scheme never reads it, so every
/// other page, API and hub still sees a stranger. <see cref="UseKioskCircuits"/> accepts it on <c>/_blazor</c> only, and
/// only while the stored link exists; the circuit then renders just the kiosk's board (the page is not interactively
/// routed, so the circuit holds no router to reach other pages with).
/// </summary>
public static class KioskAuthentication
{
    public const string Scheme = "Kiosk";
    public const string LinkClaim = "dashboard:kiosk-link";
    public const string BoardClaim = "dashboard:kiosk-board";
    private const string CircuitPath = "/_blazor";

    internal static void AddKioskScheme(this IServiceCollection services) =>
        services.AddAuthentication().AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = "Dashboard.Kiosk";
            cookie.Cookie.Path = CircuitPath;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            // A wall tablet stays up for weeks; each reconnect renews the cookie, and a reload signs in again from the link.
            cookie.ExpireTimeSpan = TimeSpan.FromDays(30);
            cookie.SlidingExpiration = true;
            cookie.Events.OnRedirectToLogin = context =>
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            };
        });

    public static ClaimsPrincipal Principal(KioskLink link) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.Name, $"kiosk '{link.Name}'"),
        new Claim(LinkClaim, link.Id.ToString(CultureInfo.InvariantCulture)),
        new Claim(BoardClaim, link.BoardId.ToString(CultureInfo.InvariantCulture)),
    ], Scheme));

    /// <summary>The link and board a kiosk principal is scoped to; null for anyone else.</summary>
    public static (long Link, long Board)? Scope(ClaimsPrincipal? user) =>
        user?.Identity?.AuthenticationType == Scheme
        && long.TryParse(user.FindFirstValue(LinkClaim), CultureInfo.InvariantCulture, out var link)
        && long.TryParse(user.FindFirstValue(BoardClaim), CultureInfo.InvariantCulture, out var board)
            ? (link, board)
            : null;

    /// <summary>Signs the browser in as the kiosk of <paramref name="link"/> (on the response to the kiosk page).</summary>
    public static Task SignInKioskAsync(this HttpContext context, KioskLink link) => context.SignInAsync(Scheme, Principal(link));

    /// <summary>
    /// Between authentication and authorization: a request to <c>/_blazor</c> that carries no dashboard sign-in but a kiosk
    /// cookie whose link still exists runs as that kiosk. Any other path is left alone.
    /// </summary>
    public static IApplicationBuilder UseKioskCircuits(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.Path.StartsWithSegments(CircuitPath) && context.User.Identity?.IsAuthenticated != true)
        {
            var result = await context.AuthenticateAsync(Scheme);
            if (Scope(result.Principal) is { } scope
                && await context.RequestServices.GetRequiredService<BoardService>().KioskLinkActiveAsync(scope.Link, scope.Board, context.RequestAborted))
            {
                context.User = result.Principal!;
            }
        }

        await next(context);
    });
}
