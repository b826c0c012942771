using Microsoft.AspNetCore.Http;

namespace Clearing.Server.Api;

/// <summary>RFC 9457 problem details of the member API: a stable <c>type</c> per kind of problem, a detail a developer can act on.</summary>
public static class ApiProblems
{
    private const string TypePrefix = "urn:clearing:problem:";

    public static IResult Unauthorized(string detail) => Problem(StatusCodes.Status401Unauthorized, "unauthorized", "Request not authenticated", detail);

    public static IResult Forbidden(string detail) => Problem(StatusCodes.Status403Forbidden, "forbidden", "Not allowed for this credential", detail);

    public static IResult BadRequest(string slug, string title, string detail) => Problem(StatusCodes.Status400BadRequest, slug, title, detail);

    public static IResult Invalid(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, "One or more fields are invalid; nothing was changed.", type: TypePrefix + "validation", title: "Invalid request");

    public static IResult Unprocessable(string slug, string title, string detail) => Problem(StatusCodes.Status422UnprocessableEntity, slug, title, detail);

    public static IResult Problem(int status, string slug, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: TypePrefix + slug);
}
