using Microsoft.IdentityModel.Tokens;

namespace ButtonFunctions.Tests.Auth;

/// <summary>What a request carries for authentication: Authorization header values and a query string.</summary>
public sealed record AuthShape(IReadOnlyList<string> Authorization, string? Query = null)
{
    public static AuthShape Bearer(string token) => new([$"Bearer {token}"]);

    public static AuthShape Header(string value) => new([value]);

    public static readonly AuthShape None = new([]);
}

/// <summary>Tokens a bad-token case is built from: real ones from the issuer the app trusts, and a forge for the rest.</summary>
public interface ITokenSource
{
    /// <summary>Issued to an allowed client with write and read scope.</summary>
    string WriterToken { get; }

    /// <summary>Issued to an allowed client with read scope only.</summary>
    string ReaderToken { get; }

    /// <summary>An allowed client's token without any scope.</summary>
    string NoScopeToken { get; }

    /// <summary>A client that is not in <c>Auth0:AllowedClientIds</c>, with both scopes.</summary>
    string StrangerToken { get; }

    TokenForge Forge { get; }
}

/// <summary>
/// A request that must be refused, with the status and RFC 6750 error it must get (<c>null</c> = challenge without error
/// code) — the same in process and through LocalHost, whose proxy joins repeated headers as the Functions host's does.
/// </summary>
public sealed record BadTokenCase(string Name, Func<ITokenSource, AuthShape> Shape, int Status, string? Error);

/// <summary>
/// The attacks and mistakes a POST to IngestClicks must refuse. Shared by the in-process gate tests and
/// the end-to-end tests through LocalHost.
/// </summary>
public static class BadTokenCases
{
    private const string InvalidToken = "invalid_token";
    private const string InvalidRequest = "invalid_request";

    public static readonly IReadOnlyList<BadTokenCase> All =
    [
        // No bearer credentials at all: RFC 6750 §3.1 says no error code.
        new("no Authorization header", _ => AuthShape.None, 401, null),
        new("Basic scheme instead of Bearer", _ => AuthShape.Header("Basic d3JpdGVyOnNlY3JldA=="), 401, null),
        new("token without scheme", i => AuthShape.Header(i.WriterToken), 401, null),
        new("token in the query string", i => new AuthShape([], $"access_token={i.WriterToken}"), 401, null),

        // Malformed.
        new("empty bearer", _ => AuthShape.Header("Bearer "), 401, InvalidToken),
        new("scheme alone", _ => AuthShape.Header("Bearer"), 401, InvalidToken),
        new("garbage", _ => AuthShape.Bearer("not-a-jwt"), 401, InvalidToken),
        new("two segments", _ => AuthShape.Bearer("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0"), 401, InvalidToken),
        new("five segments (JWE shape)", _ => AuthShape.Bearer("a.b.c.d.e"), 401, InvalidToken),
        new("two tokens in one header", i => AuthShape.Header($"Bearer {i.WriterToken} {i.WriterToken}"), 401, InvalidToken),
        new("signature stripped", i => AuthShape.Bearer(string.Join('.', i.WriterToken.Split('.')[..2]) + "."), 401, InvalidToken),
        new("oversized token (validly signed)", i => AuthShape.Bearer(i.Forge.Sign(c => c["padding"] = new string('x', 9_000))), 401, InvalidToken),
        // Several credentials. The Functions host (and LocalHost) forward repeated headers joined into one value with
        // ", ", so both spellings must get the same answer, in process and end to end.
        new("two Authorization headers", i => new AuthShape([$"Bearer {i.WriterToken}", $"Bearer {i.WriterToken}"]), 400, InvalidRequest),
        new("two bearer credentials joined by a comma", i => AuthShape.Header($"Bearer {i.WriterToken}, Bearer {i.WriterToken}"), 400, InvalidRequest),
        new("a Basic and a Bearer header", i => new AuthShape(["Basic d3JpdGVyOnNlY3JldA==", $"Bearer {i.WriterToken}"]), 400, InvalidRequest),
        new("a comma inside the bearer token", i => AuthShape.Header($"Bearer {i.WriterToken},x"), 400, InvalidRequest),
        new("Digest parameters with commas (no bearer credentials)", _ => AuthShape.Header("Digest username=\"w\", realm=\"r\", nonce=\"n\""), 401, null),

        // Algorithm attacks.
        new("alg none", i => AuthShape.Bearer(i.Forge.WithoutSignature()), 401, InvalidToken),
        new("HS256 keyed with the public key PEM", i => AuthShape.Bearer(i.Forge.Sign(credentials: i.Forge.HmacWithPublicKey(pem: true))), 401, InvalidToken),
        new("HS256 keyed with the public modulus", i => AuthShape.Bearer(i.Forge.Sign(credentials: i.Forge.HmacWithPublicKey(pem: false))), 401, InvalidToken),
        new("RS384 with the real key", i => AuthShape.Bearer(i.Forge.Sign(credentials: i.Forge.CurrentWith(SecurityAlgorithms.RsaSha384))), 401, InvalidToken),
        new("PS256 with the real key", i => AuthShape.Bearer(i.Forge.Sign(credentials: i.Forge.CurrentWith(SecurityAlgorithms.RsaSsaPssSha256))), 401, InvalidToken),
        new("RS512 with the real key", i => AuthShape.Bearer(i.Forge.Sign(credentials: i.Forge.CurrentWith(SecurityAlgorithms.RsaSha512))), 401, InvalidToken),
        new("ES256 under the known kid", i => AuthShape.Bearer(i.Forge.Sign(credentials: new SigningCredentials(
            new ECDsaSecurityKey(System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256)) { KeyId = i.Forge.Current.Key.KeyId },
            SecurityAlgorithms.EcdsaSha256))), 401, InvalidToken),
        new("JWE encrypted to the issuer's public key", i => AuthShape.Bearer(i.Forge.EncryptedToIssuer()), 401, InvalidToken),

        // Key attacks.
        new("foreign key under the known kid", i => AuthShape.Bearer(i.Forge.Sign(credentials: i.Forge.ForeignWithKnownKid)), 401, InvalidToken),
        new("unknown kid", i => AuthShape.Bearer(i.Forge.Sign(credentials: TokenForge.Foreign())), 401, InvalidToken),
        new("missing kid", i => AuthShape.Bearer(i.Forge.Sign(credentials: i.Forge.CurrentWithoutKid)), 401, InvalidToken),
        new("jku header pointing at the attacker's keys", i => AuthShape.Bearer(i.Forge.Sign(credentials: TokenForge.Foreign(),
            header: new() { ["jku"] = "https://attacker.example/jwks.json" })), 401, InvalidToken),
        new("embedded jwk header with the attacker's key", i => AuthShape.Bearer(i.Forge.Sign(credentials: TokenForge.Foreign(), header: TokenForge.EmbeddedForeignJwk())), 401, InvalidToken),
        new("x5u header pointing at the attacker's certificate", i => AuthShape.Bearer(i.Forge.Sign(credentials: TokenForge.Foreign(),
            header: new() { ["x5u"] = "https://attacker.example/cert.pem" })), 401, InvalidToken),

        // RFC 7515 §4.1.11: a JWS whose crit names an extension the recipient does not understand MUST be rejected,
        // even when the real key signed it (RFC 7797 b64=false would change what the signature covers).
        new("crit header naming an unknown extension", i => AuthShape.Bearer(i.Forge.Sign(
            header: new() { ["crit"] = (string[])["x-must-understand"], ["x-must-understand"] = true })), 401, InvalidToken),
        new("crit b64=false (unencoded payload)", i => AuthShape.Bearer(i.Forge.Sign(
            header: new() { ["b64"] = false, ["crit"] = (string[])["b64"] })), 401, InvalidToken),

        // Integrity.
        new("tampered payload (read token given write scope)", i => AuthShape.Bearer(TokenForge.SwapPayload(i.ReaderToken, i.WriterToken)), 401, InvalidToken),
        new("tampered signature", i => AuthShape.Bearer(TokenForge.TamperSignature(i.WriterToken)), 401, InvalidToken),

        // Lifetime.
        new("expired", i => AuthShape.Bearer(i.Forge.Sign(c => { c["iat"] = Now() - 7200; c["exp"] = Now() - 3600; })), 401, InvalidToken),
        new("expired just beyond the clock skew", i => AuthShape.Bearer(i.Forge.Sign(c => c["exp"] = Now() - 45)), 401, InvalidToken),
        new("nbf in the future", i => AuthShape.Bearer(i.Forge.Sign(c => c["nbf"] = Now() + 600)), 401, InvalidToken),
        new("missing exp", i => AuthShape.Bearer(i.Forge.Sign(c => c.Remove("exp"))), 401, InvalidToken),

        // Issuer.
        new("wrong issuer", i => AuthShape.Bearer(i.Forge.Sign(c => c["iss"] = "https://evil.eu.auth0.com/")), 401, InvalidToken),
        new("issuer without the trailing slash", i => AuthShape.Bearer(i.Forge.Sign(c => c["iss"] = i.Forge.Authority.TrimEnd('/'))), 401, InvalidToken),
        new("issuer with https instead of http", i => AuthShape.Bearer(i.Forge.Sign(c => c["iss"] = i.Forge.Authority.Replace("http://", "https://", StringComparison.Ordinal))), 401, InvalidToken),
        new("issuer in another case", i => AuthShape.Bearer(i.Forge.Sign(c => c["iss"] = i.Forge.Authority.ToUpperInvariant())), 401, InvalidToken),
        new("missing issuer", i => AuthShape.Bearer(i.Forge.Sign(c => c.Remove("iss"))), 401, InvalidToken),

        // Audience.
        new("wrong audience", i => AuthShape.Bearer(i.Forge.Sign(c => c["aud"] = "https://other.example/api")), 401, InvalidToken),
        new("audience with an added trailing slash", i => AuthShape.Bearer(i.Forge.Sign(c => c["aud"] = TestIssuer.Audience + "/")), 401, InvalidToken),
        new("audience array without ours", i => AuthShape.Bearer(i.Forge.Sign(c => c["aud"] = (string[])["https://other.example/api", "https://tenant.auth0.com/userinfo"])), 401, InvalidToken),
        new("missing audience", i => AuthShape.Bearer(i.Forge.Sign(c => c.Remove("aud"))), 401, InvalidToken),

        // Client.
        new("client not in AllowedClientIds", i => AuthShape.Bearer(i.StrangerToken), 401, InvalidToken),
        new("no azp and no sub", i => AuthShape.Bearer(i.Forge.Sign(c => { c.Remove("azp"); c.Remove("sub"); })), 401, InvalidToken),

        // Scope.
        new("token without any scope", i => AuthShape.Bearer(i.NoScopeToken), 403, "insufficient_scope"),
        new("read scope used to write", i => AuthShape.Bearer(i.ReaderToken), 403, "insufficient_scope"),
        new("scope that only starts with write:clicks", i => AuthShape.Bearer(i.Forge.Sign(c => c["scope"] = "write:clicks-all read:clicks")), 403, "insufficient_scope"),
        new("write scope in the wrong claim", i => AuthShape.Bearer(i.Forge.Sign(c => { c["scope"] = "read:clicks"; c["scp"] = "write:clicks"; })), 403, "insufficient_scope"),
    ];

    private static readonly Dictionary<string, BadTokenCase> ByName = All.ToDictionary(c => c.Name, StringComparer.Ordinal);

    /// <summary>Case names for <c>[MemberData]</c> (strings keep test names readable and serializable).</summary>
    public static TheoryData<string> Names => new(All.Select(c => c.Name));

    public static BadTokenCase Get(string name) => ByName[name];

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
