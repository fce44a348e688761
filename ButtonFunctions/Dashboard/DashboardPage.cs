using ButtonFunctions.Http;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace ButtonFunctions.Dashboard;

/// <summary>What <c>/dashboard/config.json</c> tells the page: where to sign in, as whom, for which API and scope.</summary>
internal sealed record DashboardConfig(string Authority, string ClientId, string Audience, string Scope);

/// <summary>The problem+json <c>type</c> URIs of the dashboard's own answers.</summary>
internal static class DashboardProblems
{
    public const string NotFound = ProblemTypes.Prefix + "not-found";
    public const string NotConfigured = ProblemTypes.Prefix + "dashboard-not-configured";
    public const string NotBuilt = ProblemTypes.Prefix + "dashboard-not-built";
}

/// <summary>
/// Writes a dashboard response with the headers every one of them carries: a Content-Security-Policy that allows
/// scripts and styles from this origin only (no inline script), network calls to this origin and the sign-in
/// authority only, no framing; no MIME sniffing; no referrer (the sign-in callback URL carries a code).
/// </summary>
internal sealed class DashboardResult(int status, string contentType, byte[] body, string cacheControl)
    : IActionResult, Microsoft.AspNetCore.Mvc.Infrastructure.IStatusCodeActionResult
{
    /// <summary>The status it answers with (a conditional GET may turn a 200 into a 304); read by the request telemetry.</summary>
    public int? StatusCode => status;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string? ETag { get; init; }

    public byte[]? Gzip { get; init; }

    public string? Location { get; init; }

    /// <summary>Origin of the authority the page may call (<c>connect-src</c>); <c>null</c> when none is configured.</summary>
    public string? AuthorityOrigin { get; init; }

    public static string ContentSecurityPolicy(string? authorityOrigin) =>
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
        $"connect-src 'self'{(authorityOrigin is null ? "" : " " + authorityOrigin)}; " +
        "frame-src 'none'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static DashboardResult File(DashboardFile file, string? authorityOrigin) =>
        new(StatusCodes.Status200OK, file.ContentType, file.Content,
            file.Immutable ? "public, max-age=31536000, immutable" : "no-cache")
        {
            ETag = file.ETag,
            Gzip = file.Gzip,
            AuthorityOrigin = authorityOrigin,
        };

    public static DashboardResult JsonBody<T>(T value, string? authorityOrigin) =>
        new(StatusCodes.Status200OK, "application/json; charset=utf-8", JsonSerializer.SerializeToUtf8Bytes(value, Json), "no-store")
        {
            AuthorityOrigin = authorityOrigin,
        };

    public static DashboardResult Problem(int status, string type, string title, string detail, string? authorityOrigin) =>
        new(status, "application/problem+json",
            JsonSerializer.SerializeToUtf8Bytes(new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail }, Json),
            "no-store")
        {
            AuthorityOrigin = authorityOrigin,
        };

    public static DashboardResult Redirect(string location) =>
        new(StatusCodes.Status301MovedPermanently, "text/plain; charset=utf-8", [], "no-cache") { Location = location };

    public async Task ExecuteResultAsync(ActionContext context)
    {
        var request = context.HttpContext.Request;
        var response = context.HttpContext.Response;
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy(AuthorityOrigin);
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers.CacheControl = cacheControl;
        if (Location is not null)
        {
            headers.Location = Location;
        }

        var payload = body;
        if (ETag is not null)
        {
            headers.ETag = ETag;
            headers.Vary = HeaderNames.AcceptEncoding;
            if (request.Headers.IfNoneMatch.Any(value => value is not null && value.Split(',').Any(tag => tag.Trim() == ETag)))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }

            if (Gzip is not null && AcceptsGzip(request))
            {
                headers.ContentEncoding = "gzip";
                payload = Gzip;
            }
        }

        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = payload.Length;
        await response.Body.WriteAsync(payload, context.HttpContext.RequestAborted);
    }

    private static bool AcceptsGzip(HttpRequest request) =>
        request.Headers.AcceptEncoding.Any(value => value is not null && value.Split(',').Any(coding =>
        {
            var parts = coding.Split(';', StringSplitOptions.TrimEntries);
            return parts[0].Equals("gzip", StringComparison.OrdinalIgnoreCase) && !parts.Skip(1).Any(p => p.Replace(" ", "", StringComparison.Ordinal) is "q=0" or "q=0.0" or "q=0.00" or "q=0.000");
        }));
}
