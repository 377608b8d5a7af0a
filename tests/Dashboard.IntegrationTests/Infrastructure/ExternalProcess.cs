using System.Diagnostics;
using System.Threading.Channels;

namespace Dashboard.IntegrationTests.Infrastructure;

/// <summary>A third-party program (mosquitto_sub, python3) whose output lines a test can wait for; killed on dispose.</summary>
public sealed class ExternalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _all = [];
    private readonly List<string> _errors = [];

    private ExternalProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>After <see cref="WaitForExitAsync"/>.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Everything it printed so far (stdout and stderr), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_all)
            {
                return string.Join('\n', _all);
            }
        }
    }

    /// <summary>What it printed on stderr alone: its order against stdout is lost in <see cref="Output"/> (two pipes, two readers).</summary>
    public string Errors
    {
        get
        {
            lock (_all)
            {
                return string.Join('\n', _errors);
            }
        }
    }

    public static ExternalProcess Start(string fileName, IEnumerable<string> arguments, IDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var wrapper = new ExternalProcess(process);
        process.OutputDataReceived += (_, e) => wrapper.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => wrapper.OnLine(e.Data, error: true);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {fileName}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Runs a program to its end (bounded by <paramref name="timeout"/>) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        await using var process = Start(fileName, arguments);
        using var cts = new CancellationTokenSource(timeout ?? TestClient.Patience);
        await process._process.WaitForExitAsync(cts.Token);
        process._process.WaitForExit(); // flush the output readers
        return (process._process.ExitCode, process.Output);
    }

    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TestClient.Patience);
        try
        {
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(cts.Token);
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{_process.StartInfo.FileName} did not print the expected line. Output so far:\n{Output}");
        }
    }

    public Task<string> WaitForLineAsync(string contains, TimeSpan? timeout = null) =>
        WaitForLineAsync(line => line.Contains(contains, StringComparison.Ordinal), timeout);

    public async Task WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TestClient.Patience);
        await _process.WaitForExitAsync(cts.Token);
    }

    /// <summary>SIGKILL: the program gets no chance to say goodbye (no DISCONNECT).</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void OnLine(string? line, bool error = false)
    {
        if (line is null)
        {
            return;
        }

        lock (_all)
        {
            _all.Add(line);
            if (error)
            {
                _errors.Add(line);
            }
        }

        _lines.Writer.TryWrite(line);
    }
}
