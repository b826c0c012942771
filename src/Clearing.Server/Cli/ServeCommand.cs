using System.CommandLine;
using Clearing.Server.Api;

namespace Clearing.Server.Cli;

/// <summary>
/// <c>clearing serve [--config FILE] [--urls URLS]</c>: the member API with telemetry, configured from appsettings.json,
/// the optional file and environment variables (<c>Persistence__Provider</c>, <c>Clearing__Members__m1__SecretFile</c>, …).
/// With <c>Clearing:Evm:Chains:&lt;name&gt;</c> and <c>Clearing:Solana</c> it also runs each chain's deposit watcher and
/// executor (withdrawals and seizures); with <c>Clearing:Oracles</c> the grains' prices come from the oracles
/// (src/Clearing.Server/Chains/README.md). A missing secret file, risk file or database setting, or an unusable chain or
/// oracle section (zero or missing vault, empty allowlist, missing key file, non-http(s) RPC URL, …) stops it before it
/// listens (exit code 2), every problem of the section named.
/// </summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "An extra JSON configuration file, read after appsettings.json and before environment variables." };
        var urls = new Option<string>("--urls") { Description = "Where Kestrel listens, e.g. http://127.0.0.1:8080 (default: ASPNETCORE_URLS or http://localhost:5000)." };
        var command = new Command("serve", "Run the member API (signed requests, idempotent money-moving POSTs, OpenAPI at /openapi.json) with /health and /metrics.") { config, urls };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var extraConfig = parse.GetValue(config);
            var listenOn = parse.GetValue(urls);
            WebApplication app;
            try
            {
                app = ClearingApiHost.Build([], builder =>
                {
                    if (extraConfig is not null)
                    {
                        builder.Configuration.AddJsonFile(extraConfig.FullName, optional: false);
                        // Environment variables still win over the file.
                        builder.Configuration.AddEnvironmentVariables();
                    }

                    if (!string.IsNullOrEmpty(listenOn))
                    {
                        builder.WebHost.UseUrls(listenOn);
                    }
                });
            }
            catch (Exception e) when (e is ApiConfigurationException or FileNotFoundException or InvalidDataException)
            {
                await Console.Error.WriteLineAsync($"clearing serve: {e.Message}");
                return 2;
            }

            await using (app)
            {
                // The IHost overload: WebApplication.RunAsync(string) would read the token as a URL.
                await HostingAbstractionsHostExtensions.RunAsync(app, cancellationToken);
            }

            return 0;
        });
        return command;
    }
}
