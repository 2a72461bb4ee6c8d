import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a child process in its own process group, feeding stdin and collecting stdout/stderr,
/// with a timeout and Ctrl-C both ending the whole group.
public enum Subprocess {
    /// How a child ended.
    public struct Result {
        public enum Ending: Equatable {
            case exited(Int32)
            case signalled(Int32)
            case timedOut
            case interrupted
        }
        public var ending: Ending
        public var stdout: Data
        public var stderr: Data
        public var seconds: Double
    }

    public struct LaunchError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `executable` (searched in PATH when it has no "/") with `arguments`.
    public static func run(_ executable: String, arguments: [String] = [], input: Data = Data(),
                           environment: [String: String]? = nil,
                           timeout: Double) throws -> Result {
        // A child that exits without reading its stdin must give EPIPE here, not kill the shell.
        signal(SIGPIPE, SIG_IGN)
        var pipes: [[Int32]] = []
        for _ in 0..<3 {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw LaunchError(description: "pipe failed: \(String(cString: strerror(errno)))") }
            pipes.append(fds)
        }
        defer { for fds in pipes { for fd in fds where fd >= 0 { close(fd) } } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipes[0][0], 0)
        posix_spawn_file_actions_adddup2(&actions, pipes[1][1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipes[2][1], 2)
        for fds in pipes { for fd in fds { posix_spawn_file_actions_addclose(&actions, fd) } }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var noMask = sigset_t()
        sigemptyset(&noMask)
        posix_spawnattr_setsigmask(&attributes, &noMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = [executable] + arguments
        var pid: pid_t = 0
        let status = withCStrings(argv) { cArgs in
            withCStrings(env) { cEnv in
                executable.contains("/")
                    ? posix_spawn(&pid, executable, &actions, &attributes, cArgs, cEnv)
                    : posix_spawnp(&pid, executable, &actions, &attributes, cArgs, cEnv)
            }
        }
        guard status == 0 else {
            throw LaunchError(description: "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        for index in [0, 3, 5] { close(pipes[index / 2][index % 2]); pipes[index / 2][index % 2] = -1 }
        return collect(pid: pid, stdin: pipes[0][1], stdout: pipes[1][0], stderr: pipes[2][0], input: input, timeout: timeout,
                       closeStdin: { pipes[0][1] = -1 })
    }

    // MARK: - Waiting

    private static func collect(pid: pid_t, stdin: Int32, stdout: Int32, stderr: Int32, input: Data,
                                timeout: Double, closeStdin: () -> Void) -> Result {
        let start = DispatchTime.now().uptimeNanoseconds
        var output = Data(), errors = Data()
        var pendingInput = input
        var stdinOpen = true
        for fd in [stdin, stdout, stderr] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        if pendingInput.isEmpty { close(stdin); closeStdin(); stdinOpen = false }
        var open: Set<Int32> = [stdout, stderr]
        var ending: Result.Ending?
        var buffer = [UInt8](repeating: 0, count: 65536)
        var exitStatus: Int32?
        var exitTime: UInt64 = 0

        while ending == nil {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if stdinOpen { fds.append(pollfd(fd: stdin, events: Int16(POLLOUT), revents: 0)) }
            _ = poll(&fds, nfds_t(fds.count), 50)
            for item in fds where item.revents != 0 {
                if item.fd == stdin && stdinOpen {
                    let written = pendingInput.withUnsafeBytes { write(stdin, $0.baseAddress, $0.count) }
                    if written > 0 { pendingInput.removeFirst(written) }
                    if written < 0 && errno != EAGAIN || pendingInput.isEmpty { close(stdin); closeStdin(); stdinOpen = false }
                    continue
                }
                let count = read(item.fd, &buffer, buffer.count)
                if count > 0 {
                    if item.fd == stdout { output.append(contentsOf: buffer[0..<count]) } else { errors.append(contentsOf: buffer[0..<count]) }
                } else if count == 0 || errno != EAGAIN {
                    open.remove(item.fd)
                }
            }
            if exitStatus == nil {
                var raw: Int32 = 0
                if waitpid(pid, &raw, WNOHANG) == pid { exitStatus = raw; exitTime = DispatchTime.now().uptimeNanoseconds }
            }
            // After the child exits, wait at most a second for background processes holding its pipes.
            if let raw = exitStatus, open.isEmpty || DispatchTime.now().uptimeNanoseconds - exitTime > 1_000_000_000 {
                let signal = raw & 0x7f
                ending = signal == 0 ? .exited((raw >> 8) & 0xff) : .signalled(signal)
                break
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if elapsed > timeout { ending = .timedOut } else if Interrupt.isPending { ending = .interrupted }
        }
        if exitStatus == nil || ending == .timedOut || ending == .interrupted {
            stopGroup(pid, alreadyExited: exitStatus != nil)
        } else {
            kill(-pid, SIGKILL)  // leftovers of an exited leader (background children) go too
        }
        if stdinOpen { close(stdin); closeStdin() }
        return Result(ending: ending!, stdout: output, stderr: errors,
                      seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// SIGTERM to the group, then SIGKILL after half a second; reaps the leader.
    private static func stopGroup(_ pid: pid_t, alreadyExited: Bool) {
        kill(-pid, SIGTERM)
        var raw: Int32 = 0
        if !alreadyExited {
            for _ in 0..<10 {
                if waitpid(pid, &raw, WNOHANG) == pid { kill(-pid, SIGKILL); return }
                usleep(50_000)
            }
        }
        kill(-pid, SIGKILL)
        if !alreadyExited { waitpid(pid, &raw, 0) }
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}
