import Foundation

/// `sample [path]`: chooses the file (question audio, text) that later commands act on by default.
public final class SampleCommand: WorkbenchCommand {
    public let name = "sample"
    public let usage = "sample [path]"
    public let summary = "choose the sample file later commands (and plugins) act on; alone, show it"
    public let arguments = [ArgumentSpec("path", completion: .filePath, optional: true)]
    public init() {}

    public func run(_ words: [String], in context: CommandContext) throws -> CommandResult {
        guard let path = words.first else {
            context.print("sample: \(context.state.currentSample ?? "(none) — choose one with `sample <path>`")")
            return .ok
        }
        let expanded = (path as NSString).expandingTildeInPath
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: expanded, isDirectory: &isDirectory) else { throw WorkbenchError.missingFile(path) }
        guard !isDirectory.boolValue else { throw WorkbenchError.invalidArgument("\(path) is a directory — give a file") }
        let absolute = URL(fileURLWithPath: expanded).standardizedFileURL.path
        context.state.currentSample = absolute
        context.print("sample: \(absolute)")
        return .ok
    }
}
