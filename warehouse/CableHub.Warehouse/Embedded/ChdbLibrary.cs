using System.Reflection;
using System.Runtime.InteropServices;

namespace CableHub.Warehouse.Embedded;

/// <summary>
/// Loads chDB (ClickHouse as a library, <c>libchdb.so</c> from npm <c>@chdb/lib-linux-x64-gnu</c>) into
/// the process. One library file per process; loading also turns off chDB's process-wide signal handlers,
/// which must happen before the first connection (with them a managed NullReferenceException hangs the
/// process and it later dies with SIGSEGV).
/// </summary>
public static class ChdbLibrary
{
    /// <summary>The npm package version fetched by <c>warehouse/engine/fetch-chdb.sh</c>.</summary>
    public const string PackageVersion = "26.7.3-stable.1";

    private static readonly Lock Gate = new();
    private static IntPtr _handle;

    /// <summary>Full path of the loaded library, or null before <see cref="Load"/>.</summary>
    public static string? LoadedPath { get; private set; }

    /// <summary>
    /// Where <c>warehouse/engine/fetch-chdb.sh</c> puts the library:
    /// <c>${CABLEHUB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cablehub}/chdb/&lt;version&gt;/libchdb.so</c>.
    /// (The one place that reads environment variables, because it mirrors the script.)
    /// </summary>
    public static string DefaultPath()
    {
        var cache = NonEmpty(Environment.GetEnvironmentVariable("CABLEHUB_CACHE"));
        if (cache is null)
        {
            var xdg = NonEmpty(Environment.GetEnvironmentVariable("XDG_CACHE_HOME"))
                ?? Path.Combine(NonEmpty(Environment.GetEnvironmentVariable("HOME")) ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            cache = Path.Combine(xdg, "cablehub");
        }

        return Path.Combine(cache, "chdb", PackageVersion, "libchdb.so");
    }

    /// <summary>
    /// Loads <paramref name="libraryPath"/> once per process (a second call with the same file is a no-op)
    /// and disables chDB's signal handlers.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist (run <c>warehouse/engine/fetch-chdb.sh</c>).</exception>
    /// <exception cref="InvalidOperationException">A different chDB library file is already loaded.</exception>
    public static void Load(string libraryPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(libraryPath);
        var fullPath = Path.GetFullPath(libraryPath);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException(
                $"The chDB engine library was not found at '{fullPath}'. Run warehouse/engine/fetch-chdb.sh " +
                "(./cablehub runs it before every build) to fetch the pinned, integrity-checked engine, or configure the path of libchdb.so.",
                fullPath);
        }

        lock (Gate)
        {
            if (LoadedPath is not null)
            {
                if (!string.Equals(LoadedPath, fullPath, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"chDB is already loaded from '{LoadedPath}'; a process can load only one chDB library (asked for '{fullPath}').");
                }

                return;
            }

            _handle = NativeLibrary.Load(fullPath);
            NativeLibrary.SetDllImportResolver(typeof(ChdbLibrary).Assembly, Resolve);
            ChdbNative.SetSignalHandlersEnabled(0);
            LoadedPath = fullPath;
        }
    }

    /// <summary>The engine's version (e.g. <c>26.7.3</c>); the library must be loaded.</summary>
    public static unsafe string EngineVersion()
    {
        EnsureLoaded();
        return ChdbNative.Utf8(ChdbNative.Version()) ?? "unknown";
    }

    internal static void EnsureLoaded()
    {
        if (LoadedPath is null)
        {
            throw new InvalidOperationException("chDB is not loaded: call ChdbLibrary.Load(path) first (ChdbLibrary.DefaultPath() is where warehouse/engine/fetch-chdb.sh puts it).");
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == ChdbNative.Library ? _handle : IntPtr.Zero;

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
