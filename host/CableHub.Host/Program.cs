using CableHub.Host.Cli;

return await HubCli.Build().Parse(args).InvokeAsync().ConfigureAwait(false);
