using System.Net;
using System.Text;
using System.Threading.Channels;

namespace Dashboard.IntegrationTests.Infrastructure;

/// <summary>
/// A loopback HTTP server standing in for a webhook receiver, an ntfy server or the Telegram Bot API: it records every
/// request (method, path, headers, body) and answers with <see cref="Answer"/>.
/// </summary>
public sealed class HttpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Channel<ReceivedRequest> _received = Channel.CreateUnbounded<ReceivedRequest>();
    private readonly Task _loop;
    private int _count;

    public HttpReceiver()
    {
        // A free port can be taken by a parallel test before we bind it: try a few.
        for (var attempt = 1; ; attempt++)
        {
            Url = $"http://127.0.0.1:{FreePort.Next()}/";
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

    /// <summary>The base URL, ending in <c>/</c>.</summary>
    public string Url { get; private set; } = "";

    /// <summary>What every request gets: a status and a body (JSON when it starts with <c>{</c>).</summary>
    public (int Status, string Body) Answer { get; set; } = (200, """{"ok":true}""");

    /// <summary>Requests received so far.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The next request received, waiting up to <see cref="TestClient.Patience"/>.</summary>
    public async Task<ReceivedRequest> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TestClient.Patience);
        try
        {
            return await _received.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No request arrived at {Url} within {TestClient.Patience.TotalSeconds} s.");
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
            string body;
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
            {
                body = await reader.ReadToEndAsync();
            }

            var headers = context.Request.Headers.AllKeys.OfType<string>().ToDictionary(k => k, k => context.Request.Headers[k] ?? "", StringComparer.OrdinalIgnoreCase);
            var (status, answer) = Answer;
            context.Response.StatusCode = status;
            context.Response.ContentType = answer.StartsWith('{') ? "application/json" : "text/plain";
            var bytes = Encoding.UTF8.GetBytes(answer);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
            Interlocked.Increment(ref _count);
            _received.Writer.TryWrite(new ReceivedRequest(context.Request.HttpMethod, context.Request.Url?.AbsolutePath ?? "", headers, body));
        }
    }
}

/// <summary>A request as <see cref="HttpReceiver"/> got it.</summary>
public sealed record ReceivedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body);
