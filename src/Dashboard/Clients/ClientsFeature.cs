namespace Dashboard.Clients;

public static class ClientsFeature
{
    /// <summary>The broker's clients, sessions and bans for admins: the Clients page and <c>/api/clients</c>, <c>/api/bans</c>.</summary>
    public static IHostApplicationBuilder AddClients(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ClientAdmin>();
        return builder;
    }

    public static IEndpointRouteBuilder MapClients(this IEndpointRouteBuilder app) => app.MapClientsApi();
}
