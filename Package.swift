// swift-tools-version:6.0
import PackageDescription

// Dependencies point down only: Processes, Tensor ← NN ← Optim ← Models ← Units ← Training ← Workbench ← echox.
let package = Package(
    name: "EchoXWorkbench",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "echox", targets: ["echox"]),
        .library(name: "Workbench", targets: ["Workbench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - System libraries
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CSndfile", path: "Sources/CSndfile", pkgConfig: "sndfile",
                       providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CReadline", path: "Sources/CReadline",
                       providers: [.apt(["libreadline-dev"])]),

        // MARK: - Core
        .target(name: "Processes"),
        .target(name: "Tensor", dependencies: ["CBLAS"], swiftSettings: kernels),
        .target(name: "NN", dependencies: ["Tensor"], swiftSettings: kernels),
        .target(name: "Optim", dependencies: ["Tensor", "NN", "Formats"]),
        .target(name: "Formats", dependencies: ["Tensor"], swiftSettings: kernels),
        .target(name: "Tokenizers", dependencies: ["Formats"]),
        .target(name: "Audio", dependencies: ["CSndfile", "Tensor", "Processes"], swiftSettings: kernels),
        .target(name: "Models", dependencies: ["NN", "Formats", "Tokenizers", "Audio", "Processes"], swiftSettings: kernels),
        .target(name: "Units", dependencies: ["Audio", "NN", "Optim", "Models"], swiftSettings: kernels),
        .target(name: "Training", dependencies: ["Models", "Optim", "Formats", "Units"], resources: [.copy("Resources")]),
        .target(name: "Evaluation", dependencies: ["Training"]),
        .target(name: "Workbench", dependencies: ["Training", "Evaluation"]),
        .executableTarget(name: "echox", dependencies: [
            "Workbench", "CReadline",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: - Tests
        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Tensor"]),
        .testTarget(name: "OptimTests", dependencies: ["Optim", "NN", "Tensor"]),
        .testTarget(name: "FormatsTests", dependencies: ["Formats", "Tensor"], resources: [.copy("Resources")]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "Formats"], resources: [.copy("Resources")]),
        .testTarget(name: "AudioTests", dependencies: ["Audio"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "NN", "Tensor", "Formats", "Tokenizers", "Audio"],
                    resources: [.copy("Resources"), .copy("WhisperFixtures")]),
        .testTarget(name: "UnitsTests", dependencies: ["Units", "Audio"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Models", "Optim", "NN", "Tensor", "Formats", "Units", "Audio"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Training", "Units", "Audio", "Tensor"]),
        .testTarget(name: "WorkbenchTests", dependencies: ["Workbench"]),
        .testTarget(name: "EchoxTests", dependencies: ["echox"]),
    ],
    swiftLanguageModes: [.v5]
)

/// Modules with hot numeric loops are compiled for AVX2 + FMA (x86-64 processors since 2013),
/// so that SIMD types map to 8-lane registers.
var kernels: [SwiftSetting] {
    [.unsafeFlags(["-target-cpu", "haswell"], .when(platforms: [.linux]))]
}
