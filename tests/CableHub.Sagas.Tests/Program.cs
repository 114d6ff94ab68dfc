namespace CableHub.Sagas.Tests;

/// <summary>
/// Entry point of the test executable: xUnit's runner (as the generated entry point would do), or, with
/// the first argument <see cref="CrashWorker.Verb"/>, a hub worker process that the crash test kills.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == CrashWorker.Verb)
        {
            return CrashWorker.RunAsync(args[1..]).GetAwaiter().GetResult();
        }

        if (args.Any(arg => arg is "--server" or "--internal-msbuild-node"))
        {
            return Xunit.MicrosoftTestingPlatform.TestPlatformTestFramework.RunAsync(args, SelfRegisteredExtensions.AddSelfRegisteredExtensions).GetAwaiter().GetResult();
        }

        return Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args).GetAwaiter().GetResult();
    }
}
