import Training
let r = TrainBenchmark().run(log: { print($0) })
print("echox tokens/s: \(Int(r.tokensPerSecond))   (step_ms median \(r.medianStepMilliseconds), params \(r.parameterCount), loss \(r.finalLoss))")
