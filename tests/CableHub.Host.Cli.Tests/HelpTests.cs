using System.CommandLine;
using System.Diagnostics;
using System.Reflection;
using System.Text;
using CableHub.Host.Cli;

namespace CableHub.Host.Cli.Tests;

/// <summary>The command line as a newcomer meets it: <c>help</c>, <c>help VERB</c>, usage naming ./cablehub, one example per verb.</summary>
public sealed class HelpTests
{
    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = HubCli.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Every verb path of the CLI ("edi parse"), the program itself ("") included.</summary>
    public static TheoryData<string> Verbs()
    {
        var data = new TheoryData<string>();
        void Walk(Command command)
        {
            data.Add(HubHelp.Path(command));
            foreach (var sub in command.Subcommands)
            {
                Walk(sub);
            }
        }

        Walk(HubCli.Build());
        return data;
    }

    [Fact]
    public void Help_lists_every_verb_and_the_launcher_verbs_under_the_name_users_type()
    {
        var (code, output, error) = Run("help");

        code.ShouldBe(0, error);
        error.ShouldBeEmpty();
        output.ShouldContain("Usage:\n  ./cablehub [command] [options]");
        output.ShouldNotContain("CableHub.Host");
        foreach (var verb in new[] { "up", "serve", "seed", "sql", "bench", "epg", "edi", "inventory", "help", "build", "test" })
        {
            output.ShouldContain($"\n  {verb} ");
        }

        output.ShouldContain("Example:\n  ./cablehub help edi parse");
        Run().Output.ShouldBe(output, "no verb at all shows the same help");
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public void Each_verb_has_help_with_usage_and_one_example_that_parses(string verb)
    {
        var path = verb.Length == 0 ? [] : verb.Split(' ');

        var (code, output, error) = Run(["help", .. path]);

        code.ShouldBe(0, error);
        output.ShouldContain($"Usage:\n  {("./cablehub " + verb).TrimEnd()} ");
        output.ShouldNotContain("CableHub.Host");
        HubHelp.Examples.ShouldContainKey(verb, $"add an example line for '{verb}' to HubHelp.Examples");
        var example = HubHelp.Examples[verb];
        output.ShouldContain("Example:\n  " + example + "\n");
        example.ShouldStartWith(("./cablehub " + verb).TrimEnd() + " ");
        Run([.. path, "--help"]).Output.ShouldBe(output, "VERB --help and help VERB say the same");

        // The example is a valid command line for the parser (options exist, arguments are there).
        var parsed = HubCli.Build().Parse(ShellWords(example).Skip(1).ToArray());
        parsed.Errors.Select(e => e.Message).ShouldBeEmpty(example);
    }

    [Fact]
    public void Help_for_an_unknown_verb_names_the_known_ones_and_fails()
    {
        var (code, output, error) = Run("help", "edi", "nonsense");

        code.ShouldBe(1);
        output.ShouldBeEmpty();
        error.ShouldBe($"./cablehub help: no verb 'edi nonsense'; 'edi' has: parse, import{Environment.NewLine}");
    }

    [Theory]
    [InlineData("test")]
    [InlineData("build")]
    public void Help_explains_the_launcher_verbs(string verb)
    {
        var (code, output, _) = Run("help", verb);

        code.ShouldBe(0);
        output.ShouldStartWith($"./cablehub {verb}: ");
        output.ShouldContain($"Example:\n  ./cablehub {verb}");
    }

    [Fact]
    public void Configuration_overrides_are_explained_where_a_verb_takes_them()
    {
        var (_, output, _) = Run("help", "up");

        output.ShouldContain("Usage:\n  ./cablehub up [options] [--Section:Key=value ...]");
        output.ShouldContain("--Section:Key=value settings that win over appsettings.json");
        output.ShouldNotContain("Arguments passed to the application that is being run");
    }

    /// <summary>What a user gets from the launcher script: <c>./cablehub help edi parse</c> from a shell.</summary>
    [Fact]
    public async Task The_launcher_script_answers_help()
    {
        var root = RepositoryRoot();
        var configuration = typeof(HelpTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        File.Exists(Path.Combine(root, "host", "CableHub.Host", "bin", configuration, "net10.0", "CableHub.Host.dll")).ShouldBeTrue("the host is built with this test project");
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        foreach (var a in new[] { "./cablehub", "help", "edi", "parse" })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["CABLEHUB_CONFIGURATION"] = configuration;
        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        process.ExitCode.ShouldBe(0, error);
        output.ShouldContain("Usage:\n  ./cablehub edi parse <file> [options]");
        output.ShouldContain("Example:\n  ./cablehub edi parse ");
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CableHub.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("CableHub.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Splits a command line as a POSIX shell would for plain words and '…' / "…" quoting.</summary>
    private static List<string> ShellWords(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        foreach (var c in line)
        {
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (c == ' ')
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
