namespace Dashboard.Components;

public static class AppFolder
{
    /// <summary>
    /// Where appsettings.json and wwwroot are read from. The current directory by convention (the repo root for
    /// <c>dotnet run</c>, /app in the image); but <c>dotnet /opt/dashboard/Dashboard.dll</c> started elsewhere (a systemd
    /// unit without WorkingDirectory=, a shell in the home folder) would get neither its settings nor its styles, so
    /// then the app's own folder. Data stays relative to the current directory either way.
    /// </summary>
    public static string? ContentRoot() =>
        !File.Exists(Path.Combine(Environment.CurrentDirectory, "appsettings.json"))
        && File.Exists(Path.Combine(AppContext.BaseDirectory, "appsettings.json"))
            ? AppContext.BaseDirectory
            : null;
}
