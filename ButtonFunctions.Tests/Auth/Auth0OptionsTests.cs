using ButtonFunctions.Auth;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Tests.Auth;

[Trait("Category", "Unit")]
public sealed class Auth0OptionsTests
{
    private static readonly Auth0OptionsValidator Validator = new();

    [Fact]
    public void Missing_domain_and_audience_are_named()
    {
        var result = Validator.Validate(null, new Auth0Options());

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Auth0:Domain is required", StringComparison.Ordinal) && f.Contains("Auth0:Authority", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.StartsWith("Auth0:Audience is required", StringComparison.Ordinal));
    }

    [Fact]
    public void Domain_gives_an_https_authority_with_trailing_slash()
    {
        var options = new Auth0Options { Domain = "tenant.eu.auth0.com", Audience = "https://api" };

        Assert.True(Validator.Validate(null, options).Succeeded);
        Assert.Equal("https://tenant.eu.auth0.com/", options.ResolveAuthority().AbsoluteUri);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5055/")]
    [InlineData("http://127.0.0.1:5055")]
    [InlineData("https://login.example.com/")]
    public void Loopback_http_or_any_https_authority_is_accepted(string authority)
    {
        var options = new Auth0Options { Authority = authority, Audience = "https://api" };

        Assert.True(Validator.Validate(null, options).Succeeded);
        Assert.EndsWith("/", options.ResolveAuthority().AbsoluteUri, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://tenant.eu.auth0.com/")]
    [InlineData("http://localhost:5055/")]
    [InlineData("http://10.0.0.5/")]
    [InlineData("https://tenant.eu.auth0.com/?x=1")]
    [InlineData("not a url")]
    public void Plain_http_authority_off_loopback_is_refused(string authority)
    {
        var result = Validator.Validate(null, new Auth0Options { Authority = authority, Audience = "https://api" });

        Assert.Contains(result.Failures!, f => f.StartsWith("Auth0:Authority", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://tenant.eu.auth0.com")]
    [InlineData("tenant.eu.auth0.com/path")]
    public void Domain_with_scheme_or_path_is_refused(string domain)
    {
        var result = Validator.Validate(null, new Auth0Options { Domain = domain, Audience = "https://api" });

        Assert.Contains(result.Failures!, f => f.StartsWith("Auth0:Domain", StringComparison.Ordinal));
    }

    [Fact]
    public void Domain_and_authority_together_are_refused()
    {
        var result = Validator.Validate(null, new Auth0Options { Domain = "tenant.eu.auth0.com", Authority = "https://x/", Audience = "https://api" });

        Assert.True(result.Failed);
    }

    private static Auth0Options Bind(Dictionary<string, string?> settings)
    {
        // Azure app settings use "__" for ":"; this is what they turn into.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth0:Domain"] = "tenant.eu.auth0.com",
            ["Auth0:Audience"] = "https://buttons.example.com",
        }.Concat(settings).ToDictionary()).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddAuth0Options().BuildServiceProvider();
        return services.GetRequiredService<IOptions<Auth0Options>>().Value;
    }

    [Fact]
    public void App_settings_bind_including_an_indexed_allowed_client_list()
    {
        var options = Bind(new() { ["Auth0:AllowedClientIds:0"] = "iot-rule", ["Auth0:AllowedClientIds:1"] = "dashboard", ["Auth0:ClockSkew"] = "00:01:00" });

        Assert.Equal(["iot-rule", "dashboard"], options.AllowedClientIds);
        Assert.Equal(TimeSpan.FromMinutes(1), options.ClockSkew);
        Assert.Equal("https://tenant.eu.auth0.com/", options.ResolveAuthority().AbsoluteUri);
    }

    [Fact]
    public void A_comma_separated_allowed_client_list_is_not_dropped()
    {
        // Auth0__AllowedClientIds=a,b (what azd and the portal set) once left the allow-list silently off.
        var options = Bind(new() { ["Auth0:AllowedClientIds"] = " iot-rule, dashboard ,," });

        Assert.Equal(["iot-rule", "dashboard"], options.AllowedClientIds);
    }

    [Fact]
    public void A_single_allowed_client_without_an_index_is_not_dropped()
    {
        var options = Bind(new() { ["Auth0:AllowedClientIds"] = "iot-rule" });

        Assert.Equal(["iot-rule"], options.AllowedClientIds);
    }

    [Fact]
    public void Resolving_invalid_options_fails_with_the_key_name()
    {
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddAuth0Options()
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<Auth0Options>>().Value);

        Assert.Contains("Auth0:Audience", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_match_the_architecture()
    {
        var options = new Auth0Options();

        Assert.Equal("write:clicks", options.WriteScope);
        Assert.Equal("read:clicks", options.ReadScope);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ClockSkew);
        Assert.Equal(TimeSpan.FromMinutes(5), options.ValidatedTokenCacheLifetime);
    }

    [Fact]
    public void Every_http_function_has_an_access_policy_and_every_policy_names_an_http_function()
    {
        var httpFunctions = typeof(Auth0Options).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Where(m => m.GetParameters().Any(p => p.GetCustomAttributes(typeof(HttpTriggerAttribute), false).Length > 0))
            .Select(m => ((FunctionAttribute)m.GetCustomAttributes(typeof(FunctionAttribute), false).Single()).Name)
            .ToList();

        Assert.NotEmpty(httpFunctions);
        Assert.All(httpFunctions, name => Assert.NotNull(FunctionAccessPolicy.For(name)));

        // A stale entry would be a rule nobody enforces, or worse, a name a future function inherits unnoticed.
        Assert.All(FunctionAccessPolicy.KnownFunctions, name => Assert.Contains(name, httpFunctions));
    }
}
