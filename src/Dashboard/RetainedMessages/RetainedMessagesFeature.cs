namespace Dashboard.RetainedMessages;

public static class RetainedMessagesFeature
{
    /// <summary>The broker's retained messages for admins: the Retained page and <c>/api/retained</c>.</summary>
    public static IHostApplicationBuilder AddRetainedMessages(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RetainedAdmin>();
        return builder;
    }

    public static IEndpointRouteBuilder MapRetainedMessages(this IEndpointRouteBuilder app) => app.MapRetainedApi();
}
