using FastDraft.Hosting.Internals;
using FastDraft.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastDraft.Hosting;

/// <summary>Registers FastDraft's speculative chat client in a service collection.</summary>
public static class FastDraftServiceCollectionExtensions
{
    /// <summary>
    /// Registers an <see cref="IChatClient"/> (a <see cref="SpeculativeChatClient"/> over the model folders' own chat
    /// template) through Microsoft.Extensions.AI's <c>AddChatClient</c>, as a singleton.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="targetFolder">The target model's folder (ONNX Runtime GenAI export or plain decoder export, with its tokenizer).</param>
    /// <param name="draftFolder">The draft model's folder; <see langword="null"/> for target-only generation.</param>
    /// <param name="registration">Loading, speculative and chat options; <see langword="null"/> for the defaults.</param>
    /// <returns>The builder of the client's pipeline, to add <c>UseFunctionInvocation()</c>, <c>UseOpenTelemetry()</c>…</returns>
    /// <exception cref="DirectoryNotFoundException">A folder does not exist (checked here, before anything is loaded).</exception>
    /// <remarks>
    /// The models load when the client is first resolved, and the container owns them: disposing the service provider
    /// disposes them (after the client). Loading logs each model (name, execution provider, KV-cache kind, threads) at
    /// Information through the container's <see cref="ILoggerFactory"/>, and the client logs each reply at Debug.
    /// </remarks>
    public static ChatClientBuilder AddSpeculativeChatClient(this IServiceCollection services, string targetFolder, string? draftFolder = null, SpeculativeChatRegistration? registration = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(targetFolder);
        foreach (string? folder in new[] { targetFolder, draftFolder })
        {
            if (folder is not null && !Directory.Exists(folder))
            {
                throw new DirectoryNotFoundException($"Model folder '{folder}' does not exist.");
            }
        }

        registration ??= new SpeculativeChatRegistration();
        services.AddSingleton(provider => ModelPair.Load(targetFolder, draftFolder, registration, Logger(provider, typeof(FastDraftServiceCollectionExtensions).FullName!)));
        return services.AddChatClient(provider =>
        {
            ModelPair pair = provider.GetRequiredService<ModelPair>();
            SpeculativeChatClientOptions chat = registration.Chat ?? SpeculativeChatClientOptions.Default;
            chat = chat.Logger is null ? chat with { Logger = Logger(provider, typeof(SpeculativeChatClient).FullName!) } : chat;
            return pair.Generator.AsChatClient(options: chat);
        });
    }

    private static ILogger Logger(IServiceProvider provider, string category) =>
        provider.GetService<ILoggerFactory>()?.CreateLogger(category) ?? NullLogger.Instance;
}
