using System.Security.Cryptography;
using System.Text.Json;
using ButtonFunctions.Auth;
using ButtonFunctions.Destinations;
using LocalIssuer;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ButtonFunctions.Tests.Auth;

/// <summary>
/// A running LocalIssuer with the clients the auth tests need, their real tokens, and a forge for
/// crafting the tokens an attacker would send.
/// </summary>
public sealed class TestIssuer : IAsyncLifetime, ITokenSource
{
    public const string Audience = "https://buttonfunctions.local/api";
    public const string Writer = "writer-client";
    public const string Reader = "reader-client";
    public const string NoScope = "noscope-client";
    public const string Stranger = "stranger-client";

    /// <summary>Client ids the app is configured to accept (<c>Auth0:AllowedClientIds</c>); <see cref="Stranger"/> is not among them.</summary>
    public static readonly string[] AllowedClients = [Writer, Reader, NoScope];

    private readonly string _secret = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24));

    /// <summary>The (random, per run) secret shared by the test clients.</summary>
    public string Secret => _secret;

    public LocalIssuerServer Server { get; private set; } = null!;

    public string WriterToken { get; private set; } = null!;

    public string ReaderToken { get; private set; } = null!;

    public string NoScopeToken { get; private set; } = null!;

    public string StrangerToken { get; private set; } = null!;

    public TokenForge Forge => new(Server);

    public async Task InitializeAsync()
    {
        var options = new LocalIssuerOptions { Audience = Audience };
        options.Clients.Add(new LocalIssuerClient(Writer, _secret, ["write:clicks", "read:clicks"]));
        options.Clients.Add(new LocalIssuerClient(Reader, _secret, ["read:clicks"]));
        options.Clients.Add(new LocalIssuerClient(NoScope, _secret, []));
        options.Clients.Add(new LocalIssuerClient(Stranger, _secret, ["write:clicks", "read:clicks"]));
        Server = await LocalIssuerServer.StartAsync(options);
        WriterToken = await Server.IssueTokenAsync(Writer, _secret);
        ReaderToken = await Server.IssueTokenAsync(Reader, _secret);
        NoScopeToken = await Server.IssueTokenAsync(NoScope, _secret);
        StrangerToken = await Server.IssueTokenAsync(Stranger, _secret);
    }

    public Task<string> IssueAsync(string clientId) => Server.IssueTokenAsync(clientId, _secret);

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>The app's options pointing at this issuer.</summary>
    internal Auth0Options AppOptions(Action<Auth0Options>? configure = null)
    {
        var options = new Auth0Options { Authority = Server.Authority.AbsoluteUri, Audience = Audience };
        foreach (var client in AllowedClients)
        {
            options.AllowedClientIds.Add(client);
        }

        configure?.Invoke(options);
        return options;
    }

    /// <summary>The app's auth pipeline (everything the middleware uses), wired by hand for in-process tests.</summary>
    internal AuthPipeline Pipeline(TimeProvider? time = null, Action<Auth0Options>? configure = null, DestinationOptions? destinations = null) =>
        new(Options.Create(AppOptions(configure)), time ?? TimeProvider.System, destinations);
}

/// <summary>The objects the middleware is made of, for one test.</summary>
internal sealed class AuthPipeline : IDisposable
{
    public AuthPipeline(IOptions<Auth0Options> options, TimeProvider time, DestinationOptions? destinations = null)
    {
        Metadata = new IssuerMetadata(options, time, NullLogger<IssuerMetadata>.Instance);
        Cache = new ValidatedTokenCache(options, time);
        Validator = new AccessTokenValidator(options, Metadata, Cache, time, NullLogger<AccessTokenValidator>.Instance);
        Confirmations = new ConfirmationRateLimiter(Options.Create(destinations ?? new DestinationOptions()), NullLogger<ConfirmationRateLimiter>.Instance);
        Gate = new AccessGate(Validator, options, Confirmations, NullLogger<AccessGate>.Instance);
    }

    public ConfirmationRateLimiter Confirmations { get; }

    public IssuerMetadata Metadata { get; }

    public ValidatedTokenCache Cache { get; }

    public AccessTokenValidator Validator { get; }

    public AccessGate Gate { get; }

    public void Dispose()
    {
        Cache.Dispose();
        Metadata.Dispose();
        Confirmations.Dispose();
    }
}

/// <summary>Crafts tokens by hand (still with Microsoft.IdentityModel) to play the attacker.</summary>
public sealed class TokenForge(LocalIssuerServer issuer)
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>A key nobody published.</summary>
    private static readonly RsaSecurityKey ForeignKey = new(RSA.Create(2048)) { KeyId = "foreign-key" };

    public string Authority => issuer.Authority.AbsoluteUri;

    public SigningCredentials Current => issuer.CurrentSigningCredentials;

    /// <summary>What LocalIssuer would put in a writer's token.</summary>
    public Dictionary<string, object> Claims(string clientId = TestIssuer.Writer, string scope = "write:clicks read:clicks")
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new Dictionary<string, object>
        {
            ["iss"] = Authority,
            ["sub"] = clientId + "@clients",
            ["aud"] = TestIssuer.Audience,
            ["iat"] = now,
            ["exp"] = now + 3600,
            ["azp"] = clientId,
            ["scope"] = scope,
            ["gty"] = "client-credentials",
        };
    }

    public string Sign(Action<Dictionary<string, object>>? edit = null, SigningCredentials? credentials = null, Dictionary<string, object>? header = null)
    {
        var claims = Claims();
        edit?.Invoke(claims);
        var payload = JsonSerializer.Serialize(claims);
        return header is null
            ? Handler.CreateToken(payload, credentials ?? Current)
            : Handler.CreateToken(payload, credentials ?? Current, header);
    }

    /// <summary>An unsigned token: <c>alg: none</c>.</summary>
    public string WithoutSignature() => Handler.CreateToken(JsonSerializer.Serialize(Claims()));

    /// <summary>The real key pair, but no <c>kid</c> in the header.</summary>
    public SigningCredentials CurrentWithoutKid => new(new RsaSecurityKey(CurrentRsa), SecurityAlgorithms.RsaSha256);

    /// <summary>The real key with another algorithm.</summary>
    public SigningCredentials CurrentWith(string algorithm) => new(Current.Key, algorithm);

    /// <summary>Algorithm confusion (CVE-2020-15084): HS256 keyed with the published public key, under its real kid.</summary>
    public SigningCredentials HmacWithPublicKey(bool pem)
    {
        var secret = pem
            ? System.Text.Encoding.UTF8.GetBytes(CurrentRsa.ExportSubjectPublicKeyInfoPem())
            : CurrentRsa.ExportParameters(false).Modulus!;
        return new SigningCredentials(new SymmetricSecurityKey(secret) { KeyId = Current.Key.KeyId }, SecurityAlgorithms.HmacSha256);
    }

    /// <summary>An attacker's key presented under the issuer's real kid.</summary>
    public SigningCredentials ForeignWithKnownKid =>
        new(new RsaSecurityKey(ForeignKey.Rsa) { KeyId = Current.Key.KeyId }, SecurityAlgorithms.RsaSha256);

    /// <summary>An attacker's key under a kid of its own (optionally a fresh random one).</summary>
    public static SigningCredentials Foreign(string? kid = null) =>
        new(new RsaSecurityKey(ForeignKey.Rsa) { KeyId = kid ?? ForeignKey.KeyId }, SecurityAlgorithms.RsaSha256);

    /// <summary>The attacker's public key as an embedded JWK header (the CVE-2018-0114 trick).</summary>
    public static Dictionary<string, object> EmbeddedForeignJwk()
    {
        var parameters = ForeignKey.Rsa.ExportParameters(false);
        return new Dictionary<string, object>
        {
            ["jwk"] = new Dictionary<string, object>
            {
                ["kty"] = "RSA",
                ["kid"] = ForeignKey.KeyId!,
                ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
            },
        };
    }

    /// <summary>A signed token wrapped in a JWE (5 parts) encrypted to the issuer's published public key: anyone can make one.</summary>
    public string EncryptedToIssuer()
    {
        var publicKey = new RsaSecurityKey(CurrentRsa.ExportParameters(false)) { KeyId = Current.Key.KeyId };
        return Handler.CreateToken(JsonSerializer.Serialize(Claims()), Current,
            new EncryptingCredentials(publicKey, SecurityAlgorithms.RsaOAEP, SecurityAlgorithms.Aes128CbcHmacSha256));
    }

    /// <summary>The signature of <paramref name="signedBy"/> on the payload of another token.</summary>
    public static string SwapPayload(string signedBy, string payloadFrom)
    {
        var a = signedBy.Split('.');
        var b = payloadFrom.Split('.');
        return $"{a[0]}.{b[1]}.{a[2]}";
    }

    public static string TamperSignature(string token)
    {
        var parts = token.Split('.');
        var signature = parts[2].ToCharArray();
        var middle = signature.Length / 2;
        signature[middle] = signature[middle] == 'A' ? 'B' : 'A';
        return $"{parts[0]}.{parts[1]}.{new string(signature)}";
    }

    private RSA CurrentRsa => ((RsaSecurityKey)Current.Key).Rsa;
}
