using Microsoft.Extensions.Options;

namespace Dashboard.Accounts;

/// <summary>
/// Refuses (403) a browser request sent by a page of another origin (scheme://host:port; another port on the same host
/// is another origin): every write (POST, PUT, PATCH, DELETE), and everything under <c>/hubs</c> and <c>/_blazor</c>
/// (negotiate and WebSocket upgrades, which carry the sign-in cookie and then stream live data). The browser sets
/// <c>Origin</c> on these and a page cannot forge it; a request without one (a script with <c>X-Api-Key</c>, curl) is not
/// a page's request and passes. <c>Dashboard:AllowedOrigins</c> adds origins, for a reverse proxy that serves the
/// dashboard under another name or scheme.
/// </summary>
public static class SameOriginRequests
{
    public static IApplicationBuilder UseSameOriginRequests(this IApplicationBuilder app)
    {
        var allowed = app.ApplicationServices.GetRequiredService<IOptions<DashboardOptions>>().Value.AllowedOrigins
            .Select(Normalize).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        return app.Use((context, next) =>
        {
            var request = context.Request;
            if (!request.Headers.TryGetValue("Origin", out var origins) || !Guarded(request))
            {
                return next(context);
            }

            var own = Normalize($"{request.Scheme}://{request.Host}");
            foreach (var origin in origins)
            {
                var normalized = Normalize(origin);
                if (normalized is null || (!string.Equals(normalized, own, StringComparison.OrdinalIgnoreCase) && !allowed.Contains(normalized)))
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                }
            }

            return next(context);
        });
    }

    private static bool Guarded(HttpRequest request) =>
        !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
        || request.Path.StartsWithSegments("/hubs")
        || request.Path.StartsWithSegments("/_blazor");

    /// <summary><c>scheme://host:port</c> with the port always written, or null for anything that is not an http(s) origin (<c>null</c> included).</summary>
    private static string? Normalize(string? origin) =>
        Uri.TryCreate(origin?.Trim().TrimEnd('/'), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}"
            : null;
}
