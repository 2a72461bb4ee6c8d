import Foundation
#if canImport(Glibc)
import Glibc
#endif

// MARK: - SIGINT flag

/// Cooperative cancellation driven by Ctrl-C: a SIGINT handler only sets a flag, and long
/// commands look at it at step boundaries, so work always stops in a consistent state.
public enum Interrupt {
    /// The flag written by the signal handler (a plain word, safe to set from a handler).
    nonisolated(unsafe) static let flag: UnsafeMutablePointer<sig_atomic_t> = {
        let pointer = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return pointer
    }()

    /// Counts Ctrl-C presses; the third press before anyone clears the flag ends the process the
    /// default way, an escape hatch from work that never reaches a step boundary.
    static let handler: @convention(c) (Int32) -> Void = { _ in
        Interrupt.flag.pointee += 1
        if Interrupt.flag.pointee >= 3 {
            signal(SIGINT, SIG_DFL)
            raise(SIGINT)
        }
    }

    /// Installs the SIGINT handler (without SA_RESTART, so a blocking read or poll wakes up).
    public static func install() {
        _ = flag
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = Interrupt.handler
        #else
        action.__sigaction_u.__sa_handler = Interrupt.handler
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }

    /// True once Ctrl-C was pressed and nobody has cleared it yet.
    public static var isPending: Bool { flag.pointee != 0 }

    /// Forgets a pending Ctrl-C (before a new command starts).
    public static func clear() { flag.pointee = 0 }

    /// Marks an interrupt as if Ctrl-C had been pressed (used by tests and by plugins' wait loops).
    public static func request() { flag.pointee = 1 }
}
