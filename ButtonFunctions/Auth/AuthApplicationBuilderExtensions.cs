using ButtonFunctions.Configuration;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Auth;

/// <summary>Wires Auth0 access-token validation into the function app.</summary>
public static class AuthApplicationBuilderExtensions
{
    /// <summary>Validates the bearer token of every HTTP-triggered function per <see cref="FunctionAccessPolicy"/>.</summary>
    public static FunctionsApplicationBuilder AddAuth0TokenValidation(this FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddAuth0Options();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IssuerMetadata>();
        builder.Services.AddSingleton<ValidatedTokenCache>();
        builder.Services.AddSingleton<AccessTokenValidator>();
        builder.Services.AddSingleton<AccessGate>();
        builder.Services.AddSingleton<TokenValidationMiddleware>();
        builder.Services.AddHostedService<IssuerMetadataWarmUp>();

        builder.UseWhen<TokenValidationMiddleware>(static context =>
            context.FunctionDefinition.InputBindings.Values.Any(static binding =>
                string.Equals(binding.Type, "httpTrigger", StringComparison.OrdinalIgnoreCase)));
        return builder;
    }

    /// <summary>The <c>Auth0</c> section, bound (the client allow-list in either list form) and validated at start-up.</summary>
    internal static IServiceCollection AddAuth0Options(this IServiceCollection services)
    {
        services.AddOptions<Auth0Options>()
            .BindConfiguration(Auth0Options.SectionName)
            .BindList(Auth0Options.SectionName + ":" + nameof(Auth0Options.AllowedClientIds), o => o.AllowedClientIds)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Auth0Options>, Auth0OptionsValidator>());
        return services;
    }
}
