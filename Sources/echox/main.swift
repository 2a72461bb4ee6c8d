import Foundation
import Training
var b = TrainBenchmark()
let env = ProcessInfo.processInfo.environment
if let s = env["STEPS"] { b.steps = Int(s)!; b.warmup = 0 }
let r = b.run(log: { print($0) })
print("echox tokens/s: \(Int(r.tokensPerSecond))   (step_ms median \(r.medianStepMilliseconds), params \(r.parameterCount), loss \(r.finalLoss))")
