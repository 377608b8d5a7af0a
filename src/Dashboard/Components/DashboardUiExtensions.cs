using MudBlazor.Services;

namespace Dashboard.Components;

public static class DashboardUiExtensions
{
    /// <summary>The Blazor Server dashboard (interactive server rendering, MudBlazor components).</summary>
    public static WebApplicationBuilder AddDashboardUi(this WebApplicationBuilder builder)
    {
        // Serve package assets (MudBlazor, blazor.web.js) from a plain build in any environment, not only
        // Development; a published app has them in wwwroot and this does nothing.
        builder.WebHost.UseStaticWebAssets();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        // Toasts (alerts raised, "published") at the bottom right, clear of the page's title and buttons.
        builder.Services.AddMudServices(config => config.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight);
        return builder;
    }

    public static WebApplication MapDashboardUi(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }

        app.UseAntiforgery();
        app.MapStaticAssets().AllowAnonymous(); // the login page needs its styles; nothing in wwwroot is private
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
