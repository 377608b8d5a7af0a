namespace Dashboard.Simulator;

internal static class Log
{
    // Console.Out is synchronized, so device loops can log concurrently.
    public static void Info(string message) => Console.Out.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {message}");
}
