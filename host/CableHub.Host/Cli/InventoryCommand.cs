using System.CommandLine;
using CableHub.Inventory;
using CableHub.Inventory.Edi;

namespace CableHub.Host.Cli;

/// <summary>
/// <c>inventory import-devices FILE</c>, <c>inventory stock-take --location CODE FILE</c>,
/// <c>inventory export-devices [--location CODE] [--status S] [--output FILE]</c>, <c>inventory stock-levels [--output FILE]</c>:
/// legacy back-office CSV files. Imports report every bad row with its line number and apply nothing then (exit 1).
/// </summary>
public static class InventoryCommand
{
    public static Command Build()
    {
        var command = new Command("inventory", "Equipment inventory: CSV imports and exports of legacy back-office files");
        command.Subcommands.Add(ImportDevices());
        command.Subcommands.Add(StockTake());
        command.Subcommands.Add(ExportDevices());
        command.Subcommands.Add(StockLevels());
        return command;
    }

    private static string Actor() => "cli:" + Environment.UserName;

    private static Command ImportDevices()
    {
        var file = new Argument<string>("file") { Description = "CSV: serial_number,model_code[,status,location,cas_id,paired_serial_number]" };
        var command = new Command("import-devices", "Import a bulk device list (all rows or none)") { file };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                await Console.Error.WriteLineAsync($"inventory import-devices: {path}: no such file").ConfigureAwait(false);
                return 2;
            }

            await using var cli = await InventoryCli.TryOpenAsync("inventory import-devices", parse, ct).ConfigureAwait(false);
            if (cli is null)
            {
                return 3;
            }

            await using var stream = File.OpenRead(path);
            var (rows, errors) = InventoryCsv.ReadDevices(stream);
            var result = await new InventoryImportStore(cli.DataSource).ImportDevicesAsync(rows, new InventoryActor(Actor(), $"device list {Path.GetFileName(path)}"), errors, ct).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                await Console.Error.WriteLineAsync($"inventory import-devices: {path}: {result.Errors.Count} error(s), nothing imported:{Environment.NewLine}{InventoryCsv.Describe(result.Errors)}").ConfigureAwait(false);
                return 1;
            }

            Console.WriteLine($"{path}: {result.Created} device(s) created, {result.Paired} pair(s)");
            return 0;
        });
        return command;
    }

    private static Command StockTake()
    {
        var file = new Argument<string>("file") { Description = "CSV: serial_number[,model_code,quantity] (model_code + quantity for cable)" };
        var location = new Option<string>("--location") { Description = "the counted location (code)", Required = true };
        var command = new Command("stock-take", "Apply a stock take of one location (all rows or none)") { file, location };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                await Console.Error.WriteLineAsync($"inventory stock-take: {path}: no such file").ConfigureAwait(false);
                return 2;
            }

            await using var cli = await InventoryCli.TryOpenAsync("inventory stock-take", parse, ct).ConfigureAwait(false);
            if (cli is null)
            {
                return 3;
            }

            var place = await new InventoryStore(cli.DataSource).FindLocationAsync(parse.GetValue(location)!, ct).ConfigureAwait(false);
            if (place is null)
            {
                await Console.Error.WriteLineAsync($"inventory stock-take: location '{parse.GetValue(location)}' does not exist").ConfigureAwait(false);
                return 2;
            }

            await using var stream = File.OpenRead(path);
            var (rows, errors) = InventoryCsv.ReadStockTake(stream);
            var result = await new InventoryImportStore(cli.DataSource).ApplyStockTakeAsync(place.Id, Path.GetFileName(path), rows, new InventoryActor(Actor(), $"stock take {Path.GetFileName(path)}"), errors, ct).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                await Console.Error.WriteLineAsync($"inventory stock-take: {path}: {result.Errors.Count} error(s), nothing applied:{Environment.NewLine}{InventoryCsv.Describe(result.Errors)}").ConfigureAwait(false);
                return 1;
            }

            Console.WriteLine($"{path}: {result.Counted} counted, {result.Confirmed} confirmed, {result.MovedHere} moved here, {result.Missing} missing, {result.QuantitiesAdjusted} quantities adjusted");
            foreach (var serial in result.MissingSerials)
            {
                Console.WriteLine($"  missing: {serial}");
            }

            return 0;
        });
        return command;
    }

    private static Command ExportDevices()
    {
        var location = new Option<string?>("--location") { Description = "only this location (code)" };
        var status = new Option<string?>("--status") { Description = "only this lifecycle status" };
        var output = new Option<string?>("--output") { Description = "file to write (default: standard output)" };
        var command = new Command("export-devices", "Export devices as a bulk device list CSV") { location, status, output };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            await using var cli = await InventoryCli.TryOpenAsync("inventory export-devices", parse, ct).ConfigureAwait(false);
            if (cli is null)
            {
                return 3;
            }

            Guid? locationId = null;
            if (parse.GetValue(location) is { } code)
            {
                locationId = (await new InventoryStore(cli.DataSource).FindLocationAsync(code, ct).ConfigureAwait(false))?.Id;
                if (locationId is null)
                {
                    await Console.Error.WriteLineAsync($"inventory export-devices: location '{code}' does not exist").ConfigureAwait(false);
                    return 2;
                }
            }

            var rows = await new InventoryImportStore(cli.DataSource).ExportDevicesAsync(locationId, parse.GetValue(status), ct).ConfigureAwait(false);
            await using var target = parse.GetValue(output) is { } file ? File.Create(file) : Console.OpenStandardOutput();
            InventoryCsv.WriteDevices(target, rows);
            return 0;
        });
        return command;
    }

    private static Command StockLevels()
    {
        var output = new Option<string?>("--output") { Description = "file to write (default: standard output)" };
        var command = new Command("stock-levels", "Export stock per model and location as CSV") { output };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            await using var cli = await InventoryCli.TryOpenAsync("inventory stock-levels", parse, ct).ConfigureAwait(false);
            if (cli is null)
            {
                return 3;
            }

            var levels = await new InventoryStore(cli.DataSource).GetStockLevelsAsync(null, null, ct).ConfigureAwait(false);
            await using var target = parse.GetValue(output) is { } file ? File.Create(file) : Console.OpenStandardOutput();
            InventoryCsv.WriteStockLevels(target, levels);
            return 0;
        });
        return command;
    }
}
