using FastDraft.Fuzz;
using SharpFuzz;

// Coverage-guided fuzzing of FastDraft's parsers of outside input with SharpFuzz (AFL++; see run-afl.sh).
//   fuzz TARGET          run under afl-fuzz (instrumented assemblies), input on stdin/file from AFL
//   seeds DIR            write one seed file per target into DIR/TARGET/
//   replay TARGET PATH…  run a target in-process on files or folders (seeds, findings); exit 1 on an escape
//   list                 print the target names
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: FastDraft.Fuzz fuzz TARGET | seeds DIR | replay TARGET PATH... | list");
    Console.WriteLine("targets: " + string.Join(", ", FuzzTargets.All.Keys));
    return args.Length == 0 ? 2 : 0;
}

switch (args[0])
{
    case "list":
        Console.WriteLine(string.Join('\n', FuzzTargets.All.Keys));
        return 0;
    case "seeds" when args.Length == 2:
        Seeds.Write(args[1]);
        return 0;
    case "fuzz" when args.Length == 2 && FuzzTargets.All.TryGetValue(args[1], out FuzzTarget? target):
        Fuzzer.OutOfProcess.Run(target.RunOn);
        return 0;
    case "replay" when args.Length >= 3 && FuzzTargets.All.TryGetValue(args[1], out FuzzTarget? target):
        int escapes = 0, inputs = 0;
        foreach (string file in args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]))
        {
            inputs++;
            try
            {
                target.Run(File.ReadAllBytes(file));
            }
            catch (Exception ex)
            {
                escapes++;
                Console.WriteLine($"{file}: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}");
            }
        }

        Console.WriteLine($"{target.Name}: {inputs} inputs, {escapes} escaped");
        return escapes == 0 ? 0 : 1;
    default:
        Console.Error.WriteLine($"error: unknown command or target '{string.Join(' ', args)}' (try --help)");
        return 2;
}
