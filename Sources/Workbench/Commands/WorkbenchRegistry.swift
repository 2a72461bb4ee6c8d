extension CommandRegistry {
    /// The full workbench: the built-in shell commands plus the model, data and audio commands.
    public static func workbench() -> CommandRegistry {
        let registry = standard()
        registry.registerLoader(LanguageModelCommands.loader)
        registry.registerLoader(UnitsCommands.loader)
        registry.registerLoader(UnitsTraining.loader)
        registry.registerLoader(ShellTraining.runLoader)
        registry.registerLoader(EchoXStages.s2t.loader)
        registry.registerLoader(EchoXStages.t2c.loader)
        registry.registerLoader(EchoXStages.echo.loader)
        registry.register(DataCommand())
        registry.register(ChatCommand())
        registry.register(ModelCommand())
        registry.register(CorpusCommand())
        registry.register(UnitsCommand())
        registry.register(SayCommand())
        registry.register(PlayCommand())
        registry.register(TranscribeCommand())
        registry.register(EvalCommand())
        registry.register(AskCommand())
        registry.register(GapCommand())
        registry.register(TargetCommand())
        registry.register(PairsCommand())
        (registry.command(named: "plot") as? PlotCommand)?.register(UnitsPlot.kind)
        return registry
    }
}
