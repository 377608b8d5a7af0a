using Dashboard.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dashboard.Boards;

/// <summary>A board as the API writes it.</summary>
public sealed record BoardDto(long Id, string Name, IReadOnlyList<TileInput> Tiles, DateTime UpdatedAt)
{
    public static BoardDto From(Board b) => new(b.Id, b.Name, [.. b.Tiles.Select(TileInput.From)], b.UpdatedAt);
}

/// <summary>A kiosk link just created: <see cref="Url"/> holds its token and is shown this once.</summary>
public sealed record CreatedKioskLinkDto(KioskLink Link, string Url);

public sealed record KioskLinkInput(string? Name);

/// <summary>
/// <c>GET/POST /api/boards</c>, <c>GET/PUT/DELETE /api/boards/{id}</c>, <c>GET/POST /api/boards/{id}/kiosk-links</c>,
/// <c>DELETE /api/boards/{id}/kiosk-links/{linkId}</c> (docs/architecture.md); writes and kiosk links need the Admin role.
/// </summary>
internal static class BoardsApi
{
    public static IEndpointRouteBuilder MapBoardsApi(this IEndpointRouteBuilder app)
    {
        var boards = app.MapGroup("/api/boards").WithTags("Boards");
        boards.MapGet("/", async (BoardService service, CancellationToken ct) => TypedResults.Ok(await service.ListAsync(ct)));
        boards.MapGet("/{id:long}", async Task<Results<Ok<BoardDto>, ProblemHttpResult>> (long id, BoardService service, CancellationToken ct) =>
            await service.GetAsync(id, ct) is { } board ? TypedResults.Ok(BoardDto.From(board)) : NotFound(id));
        boards.MapPost("/", CreateAsync).RequireAuthorization(DashboardPolicies.Admin);
        boards.MapPut("/{id:long}", UpdateAsync).RequireAuthorization(DashboardPolicies.Admin);
        boards.MapDelete("/{id:long}", async Task<Results<NoContent, ProblemHttpResult>> (long id, BoardService service, CancellationToken ct) =>
            await service.DeleteAsync(id, ct) ? TypedResults.NoContent() : NotFound(id)).RequireAuthorization(DashboardPolicies.Admin);

        var links = boards.MapGroup("/{id:long}/kiosk-links").RequireAuthorization(DashboardPolicies.Admin);
        links.MapGet("/", async Task<Results<Ok<IReadOnlyList<KioskLink>>, ProblemHttpResult>> (long id, BoardService service, CancellationToken ct) =>
            await service.GetAsync(id, ct) is null ? NotFound(id) : TypedResults.Ok(await service.KioskLinksAsync(id, ct)));
        links.MapPost("/", CreateLinkAsync);
        links.MapDelete("/{linkId:long}", async Task<Results<NoContent, ProblemHttpResult>> (long id, long linkId, BoardService service, CancellationToken ct) =>
            await service.RevokeKioskLinkAsync(id, linkId, ct) ? TypedResults.NoContent()
                : TypedResults.Problem($"Board {id} has no kiosk link {linkId}.", statusCode: StatusCodes.Status404NotFound, title: "Kiosk link not found"));
        return app;
    }

    private static async Task<Results<Created<BoardDto>, ValidationProblem>> CreateAsync(BoardInput? input, BoardService service, CancellationToken ct)
    {
        var (board, errors) = await service.CreateAsync(input ?? new BoardInput(null, null), ct);
        return board is null ? Invalid(errors) : TypedResults.Created($"/api/boards/{board.Id}", BoardDto.From(board));
    }

    private static async Task<Results<Ok<BoardDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        long id, BoardInput? input, BoardService service, CancellationToken ct)
    {
        var (board, errors) = await service.UpdateAsync(id, input ?? new BoardInput(null, null), ct);
        return errors.Count > 0 ? Invalid(errors) : board is null ? NotFound(id) : TypedResults.Ok(BoardDto.From(board));
    }

    private static async Task<Results<Created<CreatedKioskLinkDto>, ValidationProblem, ProblemHttpResult>> CreateLinkAsync(
        long id, KioskLinkInput? input, BoardService service, HttpContext http, CancellationToken ct)
    {
        var (created, error) = await service.CreateKioskLinkAsync(id, input?.Name, http.User.Identity?.Name ?? "?", ct);
        if (error is not null)
        {
            return Invalid(new Dictionary<string, string[]> { ["name"] = [error] });
        }

        if (created is null)
        {
            return NotFound(id);
        }

        var request = http.Request;
        var url = $"{request.Scheme}://{request.Host}{request.PathBase}{created.Path}";
        return TypedResults.Created($"/api/boards/{id}/kiosk-links/{created.Link.Id}", new CreatedKioskLinkDto(created.Link, url));
    }

    private static ValidationProblem Invalid(Dictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The board is not valid.");

    private static ProblemHttpResult NotFound(long id) =>
        TypedResults.Problem($"No board {id}.", statusCode: StatusCodes.Status404NotFound, title: "Board not found");
}
