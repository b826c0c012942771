// ClearingTelemetry moved to the dependency-free Clearing.Telemetry assembly (so the actor host and the RPC clients
// share its Meter and ActivitySource); server code that names it keeps compiling without a using of its own.
global using Clearing.Telemetry;
