using System.Diagnostics;
using System.Text;

namespace CableHub.Pipelines.Ingest.Tests;

/// <summary>
/// One pipeline role (the CDC reader or the warehouse ingester) in a process of its own (CableHub.Pipelines.Worker),
/// so a test can SIGKILL it — no shutdown code runs, as in a crash — and start it again.
/// </summary>
internal sealed class PipelineProcess(string role, IReadOnlyList<string> arguments) : IDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    public int Starts { get; private set; }

    public int Kills { get; private set; }

    public bool Running => _process is { HasExited: false };

    public static string WorkerDll
    {
        get
        {
            // tests/CableHub.Pipelines.Ingest.Tests/bin/<Configuration>/<tfm>/ → tests/CableHub.Pipelines.Worker/bin/<Configuration>/<tfm>/
            var here = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
            var tfm = Path.GetFileName(here);
            var configuration = Path.GetFileName(Path.GetDirectoryName(here)!);
            var tests = Path.GetFullPath(Path.Combine(here, "..", "..", "..", ".."));
            var dll = Path.Combine(tests, "CableHub.Pipelines.Worker", "bin", configuration, tfm, "CableHub.Pipelines.Worker.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"The pipeline worker is not built: {dll}");
        }
    }

    public void Start()
    {
        if (Running)
        {
            return;
        }

        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(WorkerDll);
        info.ArgumentList.Add(role);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Starts++;
        Append($"--- started {role} (start {Starts}, pid {process.Id})");
    }

    /// <summary>SIGKILL.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: false);
            p.WaitForExit(30_000);
            Kills++;
            Append($"--- killed {role} (kill {Kills})");
        }
    }

    /// <summary>The last lines the process wrote (for failure messages).</summary>
    public string Tail(int characters = 6000)
    {
        lock (_output)
        {
            var text = _output.ToString();
            return text.Length <= characters ? text : text[^characters..];
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length > 200_000)
            {
                _output.Remove(0, 100_000);
            }

            _output.AppendLine(line);
        }
    }

    public void Dispose()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: false);
            p.WaitForExit(30_000);
        }

        _process?.Dispose();
    }
}
