import Workbench

/// Builds the shell session used by `echox repl` and `echox run`: the one place where the
/// executable adds commands and loaders from other modules to the built-in registry.
enum SessionFactory {
    static func make(output: OutputSink = StandardOutputSink()) -> WorkbenchSession {
        let registry = CommandRegistry.workbench()
        return WorkbenchSession(output: output, registry: registry)
    }
}
