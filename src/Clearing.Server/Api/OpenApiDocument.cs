using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Clearing.Server.Api;

/// <summary>What the OpenAPI document says about one endpoint; attached to it as endpoint metadata.</summary>
/// <param name="SuccessMediaType">The media type of the 2xx bodies: <c>application/json</c> unless said (the event streams: <c>text/event-stream</c>).</param>
/// <param name="Query">Optional query parameters: name → description.</param>
public sealed record ApiOperation(
    string OperationId,
    string Summary,
    Type? RequestBody,
    IReadOnlyList<(int Status, string Description, Type? Body)> Responses,
    bool Idempotent = false,
    string? SuccessMediaType = null,
    IReadOnlyDictionary<string, string>? Query = null);

/// <summary>The 401 and 403 answers every signed endpoint documents, by who may call it.</summary>
public static class ApiAccessResponses
{
    /// <summary>The owning member or an operator.</summary>
    public static readonly (int Status, string Description, Type? Body)[] Account =
        [(401, "Not authenticated", typeof(ProblemDetails)), (403, "Not this member's account", typeof(ProblemDetails))];

    /// <summary>Operator credentials only.</summary>
    public static readonly (int Status, string Description, Type? Body)[] Operator =
        [(401, "Not authenticated", typeof(ProblemDetails)), (403, "Not an operator credential", typeof(ProblemDetails))];
}

/// <summary>
/// A small OpenAPI 3.0 generator (Microsoft.AspNetCore.OpenApi is a NuGet package, not part of the shared framework,
/// and not in this machine's package cache): it walks the routing table for endpoints carrying
/// <see cref="ApiOperation"/> and describes our record types by reflection (strings, booleans, lists, nested records).
/// Every operation lists the signing headers, so the document is the whole contract.
/// </summary>
public static class OpenApiDocument
{
    public static string Generate(IEnumerable<EndpointDataSource> sources)
    {
        var schemas = new JsonObject { ["Problem"] = ProblemSchema() };
        var paths = new JsonObject();
        foreach (var endpoint in sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<ApiOperation>() is not { } operation)
            {
                continue;
            }

            var path = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            var method = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods.Single().ToLowerInvariant();
            var item = paths[path] as JsonObject ?? [];
            paths[path] = item;
            item[method] = Operation(operation, endpoint, schemas);
        }

        var document = new JsonObject
        {
            ["openapi"] = "3.0.3",
            ["info"] = new JsonObject { ["title"] = "Clearing member API", ["version"] = "v1" },
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = schemas,
                ["securitySchemes"] = new JsonObject
                {
                    ["ClearingSignature"] = new JsonObject
                    {
                        ["type"] = "apiKey",
                        ["in"] = "header",
                        ["name"] = RequestSignature.SignatureHeader,
                        ["description"] = "lowercase hex HMAC-SHA256(secret, timestamp + \"\\n\" + nonce + \"\\n\" + METHOD + \"\\n\" + path-with-query + \"\\n\" + body), with the X-Clearing-Key, X-Clearing-Timestamp (Unix seconds, ±30 s) and X-Clearing-Nonce headers.",
                    },
                },
            },
            ["security"] = new JsonArray(new JsonObject { ["ClearingSignature"] = new JsonArray() }),
        };
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonObject Operation(ApiOperation operation, RouteEndpoint endpoint, JsonObject schemas)
    {
        var parameters = new JsonArray();
        foreach (var parameter in endpoint.RoutePattern.Parameters)
        {
            parameters.Add(new JsonObject { ["name"] = parameter.Name, ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        foreach (var header in (string[])[RequestSignature.KeyHeader, RequestSignature.TimestampHeader, RequestSignature.NonceHeader, RequestSignature.SignatureHeader])
        {
            parameters.Add(new JsonObject { ["name"] = header, ["in"] = "header", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        foreach (var (name, description) in operation.Query ?? new Dictionary<string, string>())
        {
            parameters.Add(new JsonObject { ["name"] = name, ["in"] = "query", ["required"] = false, ["description"] = description, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        if (operation.Idempotent)
        {
            parameters.Add(new JsonObject
            {
                ["name"] = ApiEndpoints.IdempotencyKeyHeader,
                ["in"] = "header",
                ["required"] = true,
                ["description"] = "Same key and body: the first response again, nothing re-executed. Same key, other body: 422.",
                ["schema"] = new JsonObject { ["type"] = "string", ["maxLength"] = ApiEndpoints.MaxIdempotencyKeyLength },
            });
        }

        var responses = new JsonObject();
        foreach (var (status, description, body) in operation.Responses)
        {
            var response = new JsonObject { ["description"] = description };
            if (body is not null)
            {
                var mediaType = status >= 400 ? "application/problem+json" : operation.SuccessMediaType ?? "application/json";
                response["content"] = new JsonObject { [mediaType] = new JsonObject { ["schema"] = Reference(body, schemas) } };
            }

            responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = response;
        }

        var result = new JsonObject { ["operationId"] = operation.OperationId, ["summary"] = operation.Summary, ["parameters"] = parameters, ["responses"] = responses };
        if (operation.RequestBody is { } requestBody)
        {
            result["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Reference(requestBody, schemas) } },
            };
        }

        return result;
    }

    private static JsonObject Reference(Type type, JsonObject schemas)
    {
        if (type == typeof(Microsoft.AspNetCore.Mvc.ProblemDetails))
        {
            return new JsonObject { ["$ref"] = "#/components/schemas/Problem" };
        }

        if (!schemas.ContainsKey(type.Name))
        {
            schemas[type.Name] = null; // reserve the name first: a record may refer to itself
            var properties = new JsonObject();
            var required = new JsonArray();
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                var name = JsonNamingPolicy.CamelCase.ConvertName(property.Name);
                properties[name] = Schema(property.PropertyType, schemas);
                required.Add(name);
            }

            schemas[type.Name] = new JsonObject { ["type"] = "object", ["properties"] = properties, ["required"] = required };
        }

        return new JsonObject { ["$ref"] = $"#/components/schemas/{type.Name}" };
    }

    private static JsonObject Schema(Type type, JsonObject schemas)
    {
        if (type == typeof(string))
        {
            return new JsonObject { ["type"] = "string" };
        }

        if (type == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }

        if (type == typeof(int) || type == typeof(long))
        {
            return new JsonObject { ["type"] = "integer" };
        }

        if (type == typeof(DateTimeOffset))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "date-time" };
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            var schema = Schema(underlying, schemas);
            schema["nullable"] = true;
            return schema;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))
        {
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = Schema(type.GetGenericArguments()[1], schemas) };
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            return new JsonObject { ["type"] = "array", ["items"] = Schema(type.GetGenericArguments()[0], schemas) };
        }

        return Reference(type, schemas);
    }

    private static JsonObject ProblemSchema() => new()
    {
        ["type"] = "object",
        ["description"] = "RFC 9457 problem details; `errors` (field → messages) on validation problems.",
        ["properties"] = new JsonObject
        {
            ["type"] = new JsonObject { ["type"] = "string" },
            ["title"] = new JsonObject { ["type"] = "string" },
            ["status"] = new JsonObject { ["type"] = "integer" },
            ["detail"] = new JsonObject { ["type"] = "string" },
            ["errors"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } } },
        },
    };
}
