using ButtonFunctions.Auth;
using ButtonFunctions.Dashboard;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace ButtonFunctions.Functions;

/// <summary>
/// <c>GET /dashboard/{*path}</c>: the dashboard single-page app, on the API's own origin (anonymous: the page holds no
/// data; it signs the reader in and calls <c>/api/clicks</c> with the reader's token). <c>/dashboard/config.json</c>
/// answers the sign-in settings from app settings (<c>Dashboard__ClientId</c> and the <c>Auth0</c> section), so one
/// build serves every environment.
/// </summary>
public sealed partial class Dashboard(IConfiguration configuration, ILogger<Dashboard> logger)
{
    public const string ConfigPath = "config.json";
    public const string ClientIdSetting = "Dashboard:ClientId";

    private static readonly Lazy<DashboardFiles> Files = new(DashboardFiles.FromAppDirectory);

    [Function(nameof(Dashboard))]
    public IActionResult Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/{*path}")] HttpRequest request,
        string? path)
    {
        // Bound here rather than injected (Auth0Options is internal to the app); the same keys the token check
        // validates at start-up, so they are well-formed by the time a request arrives.
        var auth0 = new Auth0Options();
        configuration.GetSection(Auth0Options.SectionName).Bind(auth0);
        var authority = auth0.ResolveAuthority();
        var authorityOrigin = authority.GetLeftPart(UriPartial.Authority);

        // The app's address is /dashboard/ (its relative asset URLs and the sign-in callback both assume the slash).
        if (string.IsNullOrEmpty(path) && !(request.Path.Value ?? "").EndsWith('/'))
        {
            return DashboardResult.Redirect(request.PathBase + request.Path + "/" + request.QueryString);
        }

        if (path == ConfigPath)
        {
            var clientId = configuration[ClientIdSetting];
            if (string.IsNullOrWhiteSpace(clientId))
            {
                LogNotConfigured(logger, "Dashboard__ClientId");
                return DashboardResult.Problem(StatusCodes.Status503ServiceUnavailable, DashboardProblems.NotConfigured,
                    "The dashboard is not configured",
                    "Set the app setting Dashboard__ClientId to the client id of the Auth0 Single Page Application (see the README, Dashboard).",
                    authorityOrigin);
            }

            return DashboardResult.JsonBody(new DashboardConfig(authority.AbsoluteUri, clientId.Trim(), auth0.Audience!, auth0.ReadScope),
                authorityOrigin);
        }

        var files = Files.Value;
        if (!files.IsBuilt)
        {
            LogNotBuilt(logger, files.Directory);
            return DashboardResult.Problem(StatusCodes.Status503ServiceUnavailable, DashboardProblems.NotBuilt,
                "The dashboard is not part of this build",
                "This build of the function app has no dashboard files; build it with Node.js and npm installed.", authorityOrigin);
        }

        var file = files.Find(path);
        if (file is null)
        {
            LogNotFound(logger, path!.Length > 200 ? path[..200] : path);
            return DashboardResult.Problem(StatusCodes.Status404NotFound, DashboardProblems.NotFound, "Not found",
                "The dashboard has no such file.", authorityOrigin);
        }

        return DashboardResult.File(file, authorityOrigin);
    }

    [LoggerMessage(EventId = 3400, Level = LogLevel.Warning, Message = "Dashboard sign-in is not configured: app setting {Setting} is empty")]
    private static partial void LogNotConfigured(ILogger logger, string setting);

    [LoggerMessage(EventId = 3401, Level = LogLevel.Error, Message = "Dashboard files are missing from {Directory}: the app was built without them")]
    private static partial void LogNotBuilt(ILogger logger, string directory);

    [LoggerMessage(EventId = 3402, Level = LogLevel.Information, Message = "Dashboard has no file {Path}")]
    private static partial void LogNotFound(ILogger logger, string path);
}
