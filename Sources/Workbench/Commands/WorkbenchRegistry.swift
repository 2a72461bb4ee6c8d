extension CommandRegistry {
    /// The full workbench: the built-in shell commands plus the model, data and audio commands.
    public static func workbench() -> CommandRegistry {
        let registry = standard()
        registry.registerLoader(LanguageModelCommands.loader)
        registry.register(DataCommand())
        registry.register(ChatCommand())
        registry.register(ModelCommand())
        return registry
    }
}
