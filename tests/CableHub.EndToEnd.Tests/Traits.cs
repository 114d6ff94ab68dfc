// The whole hub as a process (servers, migrations, demo data, pipelines): the slow lane. `./cablehub test --fast` skips it.
[assembly: Trait("Category", "EndToEnd")]
