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
        builder.Services.AddOptions<Auth0Options>()
            .BindConfiguration(Auth0Options.SectionName)
            .BindList(Auth0Options.SectionName + ":" + nameof(Auth0Options.AllowedClientIds), o => o.AllowedClientIds)
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Auth0Options>, Auth0OptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IssuerMetadata>();
        builder.Services.AddSingleton<ValidatedTokenCache>();
        builder.Services.AddSingleton<AccessTokenValidator>();
        builder.Services.AddSingleton<AccessGate>();
        builder.Services.AddSingleton<TokenValidationMiddleware>();

        builder.UseWhen<TokenValidationMiddleware>(static context =>
            context.FunctionDefinition.InputBindings.Values.Any(static binding =>
                string.Equals(binding.Type, "httpTrigger", StringComparison.OrdinalIgnoreCase)));
        return builder;
    }
}
