# One image per target: `dashboard` (the product) and `simulator` (demo devices). docker-compose.yml builds both.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files only, so code changes do not invalidate the package layer.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Dashboard/Dashboard.csproj src/Dashboard/
COPY src/Dashboard.Broker/Dashboard.Broker.csproj src/Dashboard.Broker/
COPY src/Dashboard.Common/Dashboard.Common.csproj src/Dashboard.Common/
COPY src/Dashboard.Simulator/Dashboard.Simulator.csproj src/Dashboard.Simulator/
# For the platform the image is built for (amd64, arm64): the dashboard is compiled ahead of time (ReadyToRun).
RUN dotnet restore src/Dashboard/Dashboard.csproj --use-current-runtime && dotnet restore src/Dashboard.Simulator/Dashboard.Simulator.csproj
COPY appsettings.json ./
COPY wwwroot/ wwwroot/
COPY src/ src/
RUN dotnet publish src/Dashboard/Dashboard.csproj -c Release --no-restore --use-current-runtime --self-contained false -o /out/dashboard \
 && dotnet publish src/Dashboard.Simulator/Dashboard.Simulator.csproj -c Release --no-restore -o /out/simulator

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS dashboard
WORKDIR /app
COPY --from=build /out/dashboard .
# The SQLite database lives in /app/data (ConnectionStrings:Dashboard = data/dashboard.db): mount a volume there.
USER root
RUN mkdir -p /app/data && chown "$APP_UID" /app/data
USER $APP_UID
VOLUME /app/data
# Ports come from appsettings.json (Kestrel:Endpoints), not from the image's ASPNETCORE_HTTP_PORTS.
ENV ASPNETCORE_HTTP_PORTS=
# 8883, 9443 and 8443 (TLS) open only when a certificate is configured.
EXPOSE 8080 1883 9001 8883 9443 8443
ENTRYPOINT ["dotnet", "Dashboard.dll"]

FROM mcr.microsoft.com/dotnet/runtime:10.0 AS simulator
WORKDIR /app
COPY --from=build /out/simulator .
ENTRYPOINT ["dotnet", "Dashboard.Simulator.dll"]
