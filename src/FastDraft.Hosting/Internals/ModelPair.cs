using FastDraft.OnnxRuntime;
using FastDraft.Text;
using Microsoft.Extensions.Logging;

namespace FastDraft.Hosting.Internals;

/// <summary>The loaded target, draft and tokenizer of one registration; the container owns it and disposes the models with it.</summary>
internal sealed class ModelPair : IDisposable
{
    private ModelPair(OnnxCausalLM target, OnnxCausalLM? draft, SpeculativeGenerator generator)
    {
        Target = target;
        Draft = draft;
        Generator = generator;
    }

    public OnnxCausalLM Target { get; }

    public OnnxCausalLM? Draft { get; }

    public SpeculativeGenerator Generator { get; }

    public static ModelPair Load(string targetFolder, string? draftFolder, SpeculativeChatRegistration registration, ILogger logger)
    {
        OnnxCausalLM target = OnnxCausalLM.Load(targetFolder, registration.Target);
        OnnxCausalLM? draft = null;
        try
        {
            Loaded(logger, target);
            if (draftFolder is not null)
            {
                draft = OnnxCausalLM.Load(draftFolder, registration.Draft);
                Loaded(logger, draft);
            }

            var generator = new SpeculativeGenerator(target, draft, registration.Speculative, ModelTokenizer.Load(targetFolder));
            return new ModelPair(target, draft, generator);
        }
        catch
        {
            draft?.Dispose();
            target.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Draft?.Dispose();
        Target.Dispose();
    }

    private static void Loaded(ILogger logger, OnnxCausalLM model) =>
        HostingLog.ModelLoaded(logger, model.Info.Name, model.Options.ExecutionProvider, model.UsesSharedKvBuffer ? "shared buffer" : "growing", model.IntraOpThreads, model.Info.ContextLength);
}
