using System.ComponentModel.DataAnnotations;

namespace Dashboard.Components.Account;

internal sealed class LoginInput
{
    [Required(ErrorMessage = "Enter your username.")]
    public string Username { get; set; } = "";

    [Required(ErrorMessage = "Enter your password.")]
    public string Password { get; set; } = "";

    public bool RememberMe { get; set; }
}

internal sealed class SetupInput
{
    [Required(ErrorMessage = "Choose a username.")]
    [StringLength(64, ErrorMessage = "At most 64 characters.")]
    public string Username { get; set; } = "";

    [Required(ErrorMessage = "Choose a password.")]
    public string Password { get; set; } = "";

    [Compare(nameof(Password), ErrorMessage = "The two passwords differ.")]
    public string ConfirmPassword { get; set; } = "";
}

internal static class ReturnUrls
{
    /// <summary>Only a path on this site: <c>//evil.example</c> or <c>https://…</c> would send a user elsewhere after signing in.</summary>
    public static string Safe(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url
            : "/";
}
