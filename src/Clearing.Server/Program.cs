using Clearing.Server.Cli;

// The `clearing` command: every verb is registered in ClearingCli; `clearing --help` lists them.
return await ClearingCli.Build().Parse(args).InvokeAsync();
