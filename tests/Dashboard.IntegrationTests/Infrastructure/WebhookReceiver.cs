using System.Net;
using System.Text;
using System.Threading.Channels;

namespace Dashboard.IntegrationTests.Infrastructure;

/// <summary>A loopback HTTP server that records every request body it receives and answers 204.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Channel<(string Method, string ContentType, string Body)> _received = Channel.CreateUnbounded<(string, string, string)>();
    private readonly Task _loop;

    public WebhookReceiver()
    {
        var port = FreePort.Next();
        Url = $"http://127.0.0.1:{port}/hook/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string Url { get; }

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
        _listener.Stop();
        _listener.Close();
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
