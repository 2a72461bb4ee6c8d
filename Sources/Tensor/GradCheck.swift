/// The one finite-difference gradient checker every differentiable op is tested with.
///
/// The function's output is reduced to L = Σ wᵢ·f(x)ᵢ with fixed random weights w, so every
/// output element matters. Each input element is nudged by ±eps and (L₊ − L₋)/2eps, summed in
/// Double, is compared with the autodiff gradient. With float32 and eps = 1e-2 the truncation
/// and rounding errors of the difference quotient stay below ~1e-3·|L|, hence the default
/// tolerance |analytic − numeric| ≤ atol + rtol·|numeric| with atol = rtol = 1e-2.
public enum GradCheck {
    public struct Report: CustomStringConvertible {
        public var maxError: Float = 0
        public var worst: String = ""
        public var checked = 0
        public var passed: Bool
        public var description: String {
            "\(passed ? "ok" : "FAILED"): \(checked) derivatives, max error \(maxError) \(worst)"
        }
    }

    public static func check(_ inputs: [Tensor], eps: Float = 1e-2, atol: Float = 1e-2, rtol: Float = 1e-2,
                             seed: UInt64 = 7, _ f: ([Tensor]) -> Tensor) -> Report {
        var rng = SeededRandom(seed: seed)
        for x in inputs { x.requiresGrad = true; x.zeroGrad() }
        let y = f(inputs)
        let w = Tensor.uniform(y.shape, low: -1, high: 1, rng: &rng)
        (y * w).sum().backward()

        func loss() -> Double {
            Autograd.noGrad {
                let out = f(inputs)
                var s = 0.0
                for i in 0..<out.count { s += Double(out.data[i]) * Double(w.data[i]) }
                return s
            }
        }

        var report = Report(passed: true)
        for (n, x) in inputs.enumerated() {
            let analytic = x.grad?.scalars ?? Array(repeating: 0, count: x.count)
            for i in 0..<x.count {
                let saved = x.data[i]
                x.data[i] = saved + eps
                let plus = loss()
                x.data[i] = saved - eps
                let minus = loss()
                x.data[i] = saved
                let numeric = Float((plus - minus) / Double(2 * eps))
                let error = Swift.abs(analytic[i] - numeric)
                report.checked += 1
                if error > atol + rtol * Swift.abs(numeric) { report.passed = false }
                if error > report.maxError {
                    report.maxError = error
                    report.worst = "at input \(n) element \(i): autodiff \(analytic[i]), finite difference \(numeric)"
                }
            }
        }
        return report
    }
}
