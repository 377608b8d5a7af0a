using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dashboard.Boards;

public static class BoardsFeature
{
    /// <summary>Boards of tiles (stored), and kiosk links that open one read-only for a wall tablet.</summary>
    public static IHostApplicationBuilder AddBoards(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<BoardService>();
        builder.Services.AddKioskScheme();
        return builder;
    }

    public static IEndpointRouteBuilder MapBoards(this IEndpointRouteBuilder app) => app.MapBoardsApi();
}
