using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Dashboard.Accounts;

/// <summary>Signs in a request that carries an API key (<c>X-Api-Key</c> or <c>Authorization: Bearer</c>) as the key's role; a wrong or revoked key is a 401.</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeys keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    /// <summary>Claim type carrying the key's id, so a page or log can tell a script from a person.</summary>
    public const string KeyIdClaim = "dashboard:api-key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (ApiKeys.FromRequest(Request) is not { } secret)
        {
            return AuthenticateResult.NoResult();
        }

        if (await keys.FindAsync(secret, Context.RequestAborted) is not { } key)
        {
            return AuthenticateResult.Fail("The API key is not valid (wrong, or revoked).");
        }

        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, $"API key '{key.Name}'"),
            new Claim(ClaimTypes.Role, key.Role),
            new Claim(KeyIdClaim, key.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = SchemeName;
        return Task.CompletedTask;
    }
}
