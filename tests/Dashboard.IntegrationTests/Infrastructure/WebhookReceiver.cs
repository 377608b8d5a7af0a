using System.Net;
using System.Text;
using System.Threading.Channels;

namespace Dashboard.IntegrationTests.Infrastructure;

/// <summary>A loopback HTTP server that records every request body it receives and answers 204.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Channel<(string Method, string ContentType, string Body)> _received = Channel.CreateUnbounded<(string, string, string)>();
    private readonly Task _loop;

    public WebhookReceiver()
    {
        // A free port can be taken by a parallel test before we bind it: try a few.
        for (var attempt = 1; ; attempt++)
        {
            Url = $"http://127.0.0.1:{FreePort.Next()}/hook/";
            _listener = new HttpListener();
            _listener.Prefixes.Add(Url);
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                _listener.Close();
            }
        }

        _loop = Task.Run(ServeAsync);
    }

    public string Url { get; private set; } = "";

    /// <summary>The next request received, waiting up to <see cref="TestClient.Patience"/>.</summary>
    public async Task<(string Method, string ContentType, string Body)> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TestClient.Patience);
        try
        {
            return await _received.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No webhook request arrived within {TestClient.Patience.TotalSeconds} s.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _listener.Close();
        }
        catch (HttpListenerException)
        {
            // .NET's managed HttpListener can look its endpoint up again while closing and fail to bind it: nothing to clean.
        }

        try
        {
            await _loop;
        }
        catch (Exception)
        {
            // the listener was stopped under the loop
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            var context = await _listener.GetContextAsync();
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
            {
                _received.Writer.TryWrite((context.Request.HttpMethod, context.Request.ContentType ?? "", await reader.ReadToEndAsync()));
            }

            context.Response.StatusCode = (int)HttpStatusCode.NoContent;
            context.Response.Close();
        }
    }
}
