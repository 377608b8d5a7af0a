using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Hosting.StaticWebAssets;
using MudBlazor.Services;

namespace Dashboard.Components;

public static class DashboardUiFeature
{
    /// <summary>The Blazor Server dashboard (interactive server rendering, MudBlazor components).</summary>
    public static IHostApplicationBuilder AddDashboardUi(this IHostApplicationBuilder builder)
    {
        // Serve package assets (MudBlazor, blazor.web.js) from a plain build in any environment, not only
        // Development; a published app has them in wwwroot and this does nothing.
        StaticWebAssetsLoader.UseStaticWebAssets((IWebHostEnvironment)builder.Environment, builder.Configuration);
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddScoped<CircuitPresence>();
        builder.Services.AddScoped<CircuitHandler>(s => s.GetRequiredService<CircuitPresence>());
        // Toasts (alerts raised, "published") at the bottom right, clear of the page's title and buttons.
        builder.Services.AddMudServices(config => config.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight);
        return builder;
    }

    public static IEndpointRouteBuilder MapDashboardUi(this IEndpointRouteBuilder app)
    {
        app.MapStaticAssets().AllowAnonymous(); // the login page needs its styles; nothing in wwwroot is private
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
