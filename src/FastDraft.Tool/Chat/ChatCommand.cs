using System.CommandLine;
using System.Globalization;

namespace FastDraft.Tool;

/// <summary>
/// <c>fastdraft chat</c>: an interactive chat with a pair, streamed, each token coloured by where it came from, formatted
/// with the model folder's chat template (else plain "User:/Assistant:" lines). An empty line, /exit or the end of input ends it.
/// </summary>
internal static class ChatCommand
{
    public static Command Create(TextReader input, TextWriter output, TextWriter error)
    {
        var shared = new GenerationCommandOptions("The most tokens per reply (without this option, fewer when the context fills first).");
        var system = new Option<string?>("--system") { Description = "A system message that opens the conversation.", HelpName = "TEXT" };
        var color = new Option<string>("--color") { Description = "Colour tokens by where they came from (green drafted and accepted, yellow target correction, cyan bonus, plain target only): auto (on a terminal), always or never.", HelpName = "auto|always|never", DefaultValueFactory = _ => "auto" };
        color.AcceptOnlyFromAmong("auto", "always", "never");
        var command = new Command("chat", ExitCodes.Describe(
            "An interactive chat with the target, speculatively with a draft (--draft) or n-gram lookup (--ngram): the model folder's chat template, replies streamed with each token coloured by where it came from; " +
            "the oldest turns are left out of the prompt when the conversation outgrows the context. An empty line, /exit or the end of input ends it; statistics per reply go to stderr."));
        shared.AddTo(command);
        command.Options.Add(system);
        command.Options.Add(color);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            GenerationOptions options = shared.Read(parsed);
            using GenerationPair pair = shared.Load(parsed, withTokenizer: true);
            var session = new ChatSession(pair.Generator, options, parsed.GetValue(system));
            bool colored = TokenColors.Enabled(parsed.GetValue(color)!, output);
            await error.WriteLineAsync($"Chat ({session.Template.Format} format). Type a message; an empty line or /exit ends.").ConfigureAwait(false);
            if (colored)
            {
                await error.WriteLineAsync("Legend: " + TokenColors.Legend).ConfigureAwait(false);
            }

            while (true)
            {
                await output.WriteAsync("> ").ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);

                // A console read does not observe the token: waiting on it instead lets Ctrl-C end the chat at the prompt.
                string? line = await Task.Run(input.ReadLine, CancellationToken.None).WaitAsync(cancellationToken).ConfigureAwait(false);
                if (string.IsNullOrWhiteSpace(line) || line.Trim() == "/exit")
                {
                    return ExitCodes.Success;
                }

                try
                {
                    GenerationStats stats = await session.ReplyAsync(line, output, colored, cancellationToken).ConfigureAwait(false);
                    await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"({stats.GeneratedTokens} tokens, {stats.AcceptedTokens}/{stats.DraftedTokens} drafted tokens accepted, {stats.TargetCalls} target passes, {stats.TokensPerSecond:F0} tok/s)")).ConfigureAwait(false);
                }
                catch (ArgumentException tooLong) when (tooLong.ParamName is null)
                {
                    // One message too long for the context ends that turn, not the chat.
                    await error.WriteLineAsync($"error: {tooLong.Message}").ConfigureAwait(false);
                }
            }
        });
        return command;
    }
}
