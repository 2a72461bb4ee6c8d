import Foundation

/// The one finite-difference gradient checker every differentiable op is tested with.
///
/// The function's output is reduced to L = Σ wᵢ·f(x)ᵢ with fixed random weights w (accumulated in
/// Double), so every output element matters. Each input element x is moved to x ± h and x ± 2h with
/// h = eps·max(|x|, 1); the four float32 inputs actually reached are read back, and the derivative is
/// that of the degree-4 polynomial through those points and (x, L(x)), in Double. With exactly
/// symmetric points this is the Richardson formula (−L(x+2h) + 8L(x+h) − 8L(x−h) + L(x−2h)) / 12h,
/// whose truncation error is h⁴·L⁽⁵⁾/30; the rounding error of the float32 forward pass,
/// about 1e-7·|f| per output, divided by h, dominates: around 1e-5 of the gradient with eps = 1e-2.
///
/// Two tests, both of which must pass:
/// - each element: |analytic − numeric| ≤ atol + rtol·|numeric|;
/// - each input's whole gradient: ‖analytic − numeric‖ ≤ atol·√n + rtol·‖numeric‖, which catches a
///   small relative error spread over elements that are each within atol.
/// With the defaults (atol 1e-4, rtol 1e-3) a backward off by 1% fails wherever the gradient is
/// larger than about 0.01 (element or root mean square), while the project's ops use a fifth of
/// the tolerance or less (each gradient test prints its figures). Non-smooth functions (relu, abs,
/// max, clamp) need inputs at least 2h from their kinks.
public enum GradCheck {
    public struct Report: CustomStringConvertible {
        public var passed = true
        /// Derivatives compared.
        public var checked = 0
        /// Largest |analytic − numeric| over all elements.
        public var maxError = 0.0
        /// Largest |analytic − numeric| / |numeric| over elements with |numeric| ≥ atol/rtol (the
        /// elements the relative tolerance governs).
        public var maxRelativeError = 0.0
        /// Largest ‖analytic − numeric‖ / ‖numeric‖ over the inputs.
        public var gradientRelativeError = 0.0
        /// Largest error as a fraction of what the tolerance allows (the check fails above 1).
        public var worstRatio = 0.0
        /// Where `worstRatio` was found.
        public var worst = ""

        public var description: String {
            let figures = "max error \(format(maxError)), max relative error \(format(maxRelativeError)), "
                + "gradient relative error \(format(gradientRelativeError)), \(format(worstRatio)) of the tolerance"
            return "\(passed ? "ok" : "FAILED"): \(checked) derivatives, \(figures); worst \(worst)"
        }

        private func format(_ x: Double) -> String { String(format: "%.3g", x) }
    }

    public static func check(_ inputs: [Tensor], eps: Double = 1e-2, atol: Double = 1e-4, rtol: Double = 1e-3,
                             seed: UInt64 = 7, _ f: ([Tensor]) -> Tensor) -> Report {
        precondition(eps > 0 && atol >= 0 && rtol >= 0, "GradCheck needs eps > 0 and non-negative tolerances")
        var rng = SeededRandom(seed: seed)
        for x in inputs { x.requiresGrad = true; x.zeroGrad() }
        let y = f(inputs)
        let w = Tensor.uniform(y.shape, low: -1, high: 1, rng: &rng)
        (y * w).sum().backward()

        func loss() -> Double {
            Autograd.noGrad {
                let out = f(inputs)
                precondition(out.count == w.count, "GradCheck: the function's output changed shape from \(w.shape) to \(out.shape)")
                var s = 0.0
                for i in 0..<out.count { s += Double(out.data[i]) * Double(w.data[i]) }
                return s
            }
        }

        let centre = loss()
        var report = Report()
        for (n, x) in inputs.enumerated() {
            let analytic = x.grad?.scalars ?? Array(repeating: 0, count: x.count)
            var differenceSquares = 0.0, numericSquares = 0.0
            for i in 0..<x.count {
                let saved = x.data[i]
                let h = eps * Swift.max(Swift.abs(Double(saved)), 1)
                var offsets: [Double] = [], values: [Double] = []
                for k in [-2.0, -1, 1, 2] {
                    x.data[i] = Float(Double(saved) + k * h)
                    offsets.append(Double(x.data[i]) - Double(saved))
                    values.append(loss() - centre)
                }
                x.data[i] = saved
                let numeric = derivativeAtZero(offsets: offsets, rises: values)
                let a = Double(analytic[i])
                let error = Swift.abs(a - numeric)
                differenceSquares += error * error
                numericSquares += numeric * numeric
                report.checked += 1
                report.maxError = Swift.max(report.maxError, error)
                if rtol > 0, Swift.abs(numeric) >= atol / rtol, numeric != 0 {
                    report.maxRelativeError = Swift.max(report.maxRelativeError, error / Swift.abs(numeric))
                }
                let ratio = error / (atol + rtol * Swift.abs(numeric))
                if ratio > report.worstRatio || (ratio.isNaN && !report.worstRatio.isNaN) {
                    report.worstRatio = ratio
                    report.worst = "input \(n) element \(i): autodiff \(a), finite difference \(numeric)"
                }
                if !(ratio <= 1) { report.passed = false }
            }
            let difference = differenceSquares.squareRoot(), norm = numericSquares.squareRoot()
            if norm > 0 { report.gradientRelativeError = Swift.max(report.gradientRelativeError, difference / norm) }
            let allowed = atol * Double(x.count).squareRoot() + rtol * norm
            if !(difference <= allowed) {
                report.passed = false
                let ratio = difference / allowed
                if ratio > report.worstRatio {
                    report.worstRatio = ratio
                    report.worst = "input \(n) as a whole: ‖autodiff − finite difference‖ = \(difference), ‖finite difference‖ = \(norm)"
                }
            }
        }
        return report
    }

    // MARK: - Difference quotient

    /// The derivative at 0 of the polynomial through (0, 0) and (tⱼ, rⱼ): Σ L′ⱼ(0)·rⱼ with the
    /// Lagrange basis Lⱼ over the nodes {0, t₁, …, tₖ}. The values are rises L(x + tⱼ) − L(x), so the
    /// node at 0 contributes nothing; the offsets must be distinct and non-zero.
    public static func derivativeAtZero(offsets t: [Double], rises r: [Double]) -> Double {
        var sum = 0.0
        for j in t.indices {
            // L′ⱼ(0) = Π_{m≠j} (−tₘ) / (tⱼ · Π_{m≠j} (tⱼ − tₘ)), the product running over the non-zero nodes.
            var numerator = 1.0, denominator = t[j]
            for m in t.indices where m != j {
                numerator *= -t[m]
                denominator *= t[j] - t[m]
            }
            sum += numerator / denominator * r[j]
        }
        return sum
    }
}
