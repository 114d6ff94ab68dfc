using System.Globalization;
using CableHub.Billing;
using CableHub.Billing.BillRuns;
using CableHub.Core.Persistence;
using CableHub.Modules.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Usage: CableHub.Billing.Worker <connection string> <run date yyyy-MM-dd> <chunk size> <pause ms after each chunk>
// Prints "chunk <billed>/<due>" after each committed chunk and "done <invoices>" at the end.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: CableHub.Billing.Worker CONNECTION DATE CHUNK PAUSE_MS");
    return 2;
}

var date = DateOnly.ParseExact(args[1], "yyyy-MM-dd", CultureInfo.InvariantCulture);
await using var dataSource = OperationalStore.CreateDataSource(args[0]);
await using var services = ModuleServices.Build(dataSource, TimeProvider.System, configure: s =>
{
    s.AddSingleton(new BillingOptions { BillRunChunkSize = int.Parse(args[2], CultureInfo.InvariantCulture), PauseAfterChunk = TimeSpan.FromMilliseconds(int.Parse(args[3], CultureInfo.InvariantCulture)) });
    s.AddSingleton<ILoggerFactory>(LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning)));
});
var runner = services.GetRequiredService<BillRunner>();
var status = await runner.RunAsync(date, new SyncProgress(s => Console.WriteLine($"chunk {s.AccountsBilled}/{s.AccountsDue}")));
Console.WriteLine($"done {status.Invoices}");
return 0;

internal sealed class SyncProgress(Action<BillRunStatus> report) : IProgress<BillRunStatus>
{
    public void Report(BillRunStatus value) => report(value);
}
