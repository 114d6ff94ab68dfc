using System.CommandLine;
using CableHub.Host.Cli;

// SIGTERM / Ctrl-C cancel the verb's token; the hub then needs time to shut down and stop the servers it owns
// (its web host allows 20 s). System.CommandLine's default of 2 s would end the process before that, leaving
// the embedded PostgreSQL running.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(90) };
return await HubCli.Build().Parse(args).InvokeAsync(invocation).ConfigureAwait(false);
