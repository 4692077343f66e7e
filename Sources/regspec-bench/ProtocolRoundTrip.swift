import Foundation
import ReferenceEngine
import SpecHarness

/// The protocol's cost per case against the pipe's: a round trip through one persistent
/// `regspec serve` beside two bare ping-pongs of the same run messages, the harness's own
/// (`PipePingPong`: `cat` over the engine's pipes, writer, reader thread, executor and line
/// buffer) and
/// a C one (two processes, blocking `read`/`write`, built with `cc -O2` when a compiler is
/// there). Rounds take turns, so that a busy machine weighs on every figure alike.
///
/// Each round also times, in process, the JSON each side of a round trip does (the harness
/// writes the run message and reads the reply, `serve` reads the one and writes the other),
/// so the table shows what the round trip is made of: the pipe, the JSON, and what is left,
/// which only two processes pay (cold caches after each switch).
struct ProtocolRoundTrip {
    /// The round trip against the harness's bare ping-pong of the same messages.
    static let ratioBound = 1.5
    static let ratioGoal = BenchRecord.Goal.atMost(ratioBound)

    let specs: String
    let quick: Bool

    func measure() async throws -> [BenchRecord] {
        let group = "protocol round trip (JSON lines through regspec serve)"
        let suite = SpecLoader().load(paths: [specs])
        guard suite.diagnostics.isEmpty else {
            throw ValidationFailure("the specs at \(specs) do not load:\n" + suite.diagnostics.map(\.description).joined(separator: "\n"))
        }
        // Cases that sleep measure their sleeps, not the protocol.
        let cases = suite.cases.filter { specCase in
            specCase.input.call.allFns.allSatisfy { ($0.delayMilliseconds ?? 0) == 0 }
                && specCase.input.call.options.timeoutMilliseconds == nil
        }
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("regspec").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            // Unmeasured counts as not met: a target that vanished would read as one more met.
            return [BenchRecord(group: group, name: "round trip / Swift ping-pong", value: .nan, unit: "x", goal: Self.ratioGoal,
                                note: "not measured: no regspec binary beside this one (\(binary)); `swift build -c release` builds both")]
        }
        let lines = cases.enumerated().map { EngineProtocol.runMessageLine(sequence: $0.offset, input: $0.element.input) }
        let cPingPong = CPingPong.build(lines: lines)
        defer { if case .success(let program) = cPingPong { program.cleanUp() } }

        let reference = ReferenceEngine()
        var observations: [Observation] = []
        for specCase in cases { observations.append(await reference.run(specCase.input)) }
        let replies = observations.enumerated().map { EngineProtocol.runReplyLine(sequence: $0.offset, observation: $0.element) }
        let echo = try PipePingPong()
        let rounds = quick ? 3 : 15
        let count = Double(cases.count)
        var roundTrips: [Double] = [], swiftPingPongs: [Double] = [], cPingPongs: [Double] = [], ratios: [Double] = []
        var harnessJSON: [Double] = [], serveJSON: [Double] = [], beyond: [Double] = []
        try await withEngine(ProcessEngine(command: "\(binary) serve")) { served in
            _ = try await served.describe()
            for _ in 0..<rounds {
                var localObservations: [Observation] = [], servedObservations: [Observation] = []
                let local = await Stopwatch.seconds {
                    for specCase in cases { localObservations.append(await reference.run(specCase.input)) }
                }
                // On the process's reader thread, as a lane of `regspec run` runs.
                let remote = try await Stopwatch.seconds {
                    servedObservations = try await served.withDedicatedProcess {
                        var answers: [Observation] = []
                        for specCase in cases { answers.append(try await served.run(specCase.input)) }
                        return answers
                    }
                }
                // Checked off the clock: checking is no part of the protocol, and run after
                // each answer it would pay for the caches `serve` had just used (about 15 us a
                // case against 6 in process), which the in-process loop does not.
                for (specCase, (localObservation, servedObservation)) in zip(cases, zip(localObservations, servedObservations)) {
                    guard CaseChecker(specCase).check(localObservation).isEmpty else {
                        throw ValidationFailure("case \(specCase.id) fails against the reference")
                    }
                    guard CaseChecker(specCase).check(servedObservation).isEmpty else {
                        throw ValidationFailure("case \(specCase.id) fails through regspec serve")
                    }
                }
                let echoed = try await Stopwatch.seconds {
                    try await echo.withReaderThread {
                        for line in lines { try await echo.roundTrip(line) }
                    }
                }
                if case .success(let program) = cPingPong, let seconds = program.roundSeconds() {
                    cPingPongs.append(seconds / count)
                }
                let harnessSide = try await Stopwatch.seconds {
                    for (specCase, reply) in zip(cases, replies) {
                        _ = EngineProtocol.runMessageLine(sequence: 1, input: specCase.input)
                        guard EngineProtocol.observation(inReplyLine: reply) != nil else {
                            throw ValidationFailure("the harness's decoder refused the reply to \(specCase.id)")
                        }
                    }
                }
                let serveSide = try await Stopwatch.seconds {
                    for (line, observation) in zip(lines, observations) {
                        guard let message = EngineProtocol.caseInput(inRunMessageLine: line) else {
                            throw ValidationFailure("serve's decoder refused a run message")
                        }
                        _ = EngineProtocol.runReplyLine(sequence: message.sequence, observation: observation)
                    }
                }
                let roundTrip = max(0, remote - local) / count
                roundTrips.append(roundTrip)
                swiftPingPongs.append(echoed / count)
                ratios.append(roundTrip / (echoed / count))
                harnessJSON.append(harnessSide / count)
                serveJSON.append(serveSide / count)
                beyond.append(roundTrip - (echoed + harnessSide + serveSide) / count)
            }
        }
        await echo.stop()

        var records: [BenchRecord] = []
        func spread(_ figures: [Double]) -> String {
            let sorted = figures.sorted()
            guard let low = sorted.first, let high = sorted.last else { return "" }
            return String(format: "rounds %.1f-%.1f us", low * 1e6, high * 1e6)
        }
        /// A figure per case, in microseconds: the median of its rounds.
        func perCase(_ name: String, _ figures: [Double], _ note: String) {
            records.append(BenchRecord(group: group, name: name, value: Stopwatch.median(figures) * 1e6, unit: "us", note: note))
        }
        perCase("round trip per case", roundTrips, "serve minus in process, \(cases.count) cases; \(spread(roundTrips))")
        perCase("bare Swift ping-pong per case", swiftPingPongs, "run messages echoed by cat through the harness's pipes; \(spread(swiftPingPongs))")
        switch cPingPong {
        case .success where !cPingPongs.isEmpty:
            perCase("bare C ping-pong per case", cPingPongs, "the same lines, two C processes, blocking read/write; \(spread(cPingPongs))")
            records.append(BenchRecord(
                group: group, name: "round trip / C ping-pong", value: Stopwatch.median(roundTrips) / Stopwatch.median(cPingPongs), unit: "x",
                note: "the floor under any pipe protocol"))
        case .success:
            records.append(BenchRecord(group: group, name: "bare C ping-pong skipped", value: 0, unit: "", note: "the C program did not run"))
        case .failure(let why):
            records.append(BenchRecord(group: group, name: "bare C ping-pong skipped", value: 0, unit: "", note: why.description))
        }
        perCase("harness's JSON per case", harnessJSON, "writing the run message and reading the reply, in process")
        perCase("serve's JSON per case", serveJSON, "reading the run message and writing the reply, in process")
        perCase("round trip beyond pipe and JSON", beyond, "round trip minus the Swift ping-pong and both sides' JSON: what two processes add")
        // The target leaves half a ping-pong for all the work beyond moving the bytes; the
        // note says how that compares with the JSON alone, measured in the same rounds.
        let ratio = Stopwatch.median(ratios)
        let budget = Stopwatch.median(swiftPingPongs) * (Self.ratioBound - 1)
        let json = Stopwatch.median(harnessJSON) + Stopwatch.median(serveJSON)
        records.append(BenchRecord(
            group: group, name: "round trip / Swift ping-pong", value: ratio, unit: "x", goal: Self.ratioGoal,
            note: String(format: "median of %d interleaved rounds; leaves %.1f us beyond the pipe, the JSON alone takes %.1f", rounds, budget * 1e6, json * 1e6)))
        return records
    }
}

/// A ping-pong over pipes in C, compiled into a temporary directory: the baseline no Swift
/// runtime, thread or line buffer stands in.
private struct CPingPong {
    let directory: String
    let program: String
    let linesFile: String

    /// Writes the program and the lines, and compiles it with `cc -O2`.
    static func build(lines: [String]) -> Result<CPingPong, ValidationFailure> {
        let directory = NSTemporaryDirectory() + "regspec-bench-pingpong-\(UUID().uuidString)"
        let built = CPingPong(directory: directory, program: directory + "/pingpong", linesFile: directory + "/lines.txt")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try source.write(toFile: directory + "/pingpong.c", atomically: true, encoding: .utf8)
            try lines.map { $0 + "\n" }.joined().write(toFile: built.linesFile, atomically: true, encoding: .utf8)
        } catch {
            built.cleanUp()
            return .failure(ValidationFailure("cannot write the C ping-pong: \(error)"))
        }
        guard let output = run("/usr/bin/env", ["cc", "-O2", "-o", built.program, directory + "/pingpong.c"]), output.status == 0 else {
            built.cleanUp()
            return .failure(ValidationFailure("no C compiler (cc) to build the C ping-pong"))
        }
        return .success(built)
    }

    /// Seconds for one pass over every line, or nil when the program fails.
    func roundSeconds() -> Double? {
        guard let output = Self.run(program, [linesFile, "1"]), output.status == 0 else { return nil }
        return output.text.split(separator: " ").first.flatMap { Double($0) }
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func run(_ executable: String, _ arguments: [String]) -> (status: Int32, text: String)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Writes each line of a file and reads its echo back, one at a time; prints the seconds
    /// per pass and the line count.
    private static let source = """
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

/* Reads one line (through '\\n') from fd into buf, keeping bytes past it in buf for the next
   call; returns the line's length with its newline, or -1 at end of input. */
static long read_line(int fd, char *buf, long cap, long *have) {
    for (;;) {
        char *nl = memchr(buf, '\\n', (size_t)*have);
        if (nl) return nl - buf + 1;
        if (*have == cap) return -1;
        ssize_t n = read(fd, buf + *have, (size_t)(cap - *have));
        if (n <= 0) return -1;
        *have += n;
    }
}

static void consume(char *buf, long *have, long len) {
    memmove(buf, buf + len, (size_t)(*have - len));
    *have -= len;
}

static int write_all(int fd, const char *p, long n) {
    while (n > 0) {
        ssize_t w = write(fd, p, (size_t)n);
        if (w <= 0) return -1;
        p += w; n -= w;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: pingpong LINES-FILE ROUNDS\\n"); return 2; }
    FILE *file = fopen(argv[1], "rb");
    if (!file) { perror(argv[1]); return 2; }
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    if (!text || fread(text, 1, (size_t)size, file) != (size_t)size) { fprintf(stderr, "cannot read %s\\n", argv[1]); return 2; }
    fclose(file);
    int rounds = atoi(argv[2]);
    long cap = size + 2;
    int down[2], up[2];
    if (pipe(down) || pipe(up)) { perror("pipe"); return 2; }
    pid_t child = fork();
    if (child < 0) { perror("fork"); return 2; }
    if (child == 0) {
        close(down[1]); close(up[0]);
        char *buf = malloc((size_t)cap);
        long have = 0, len;
        while ((len = read_line(down[0], buf, cap, &have)) > 0) {
            if (write_all(up[1], buf, len)) return 1;
            consume(buf, &have, len);
        }
        return 0;
    }
    close(down[0]); close(up[1]);
    char *buf = malloc((size_t)cap);
    long have = 0;
    for (int round = 0; round < rounds; round++) {
        struct timespec start, end;
        long lines = 0;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (char *line = text; line < text + size;) {
            char *nl = memchr(line, '\\n', (size_t)(text + size - line));
            long len = nl ? nl - line + 1 : 0;
            if (!nl) break;
            if (write_all(down[1], line, len)) { fprintf(stderr, "write failed\\n"); return 1; }
            long got = read_line(up[0], buf, cap, &have);
            if (got != len) { fprintf(stderr, "echo differs\\n"); return 1; }
            consume(buf, &have, got);
            line += len;
            lines++;
        }
        clock_gettime(CLOCK_MONOTONIC, &end);
        double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
        printf("%.9f %ld\\n", seconds, lines);
        fflush(stdout);
    }
    close(down[1]);
    waitpid(child, NULL, 0);
    return 0;
}
"""
}
