import Foundation

/// One progress line on stderr, redrawn in place at most five times a second — only when stderr is
/// a terminal (a log file or a pipe gets none): the count, the rate, and the time left when the total
/// is known (`1234 of 10000 pages · 812 pages/s · 0:11 left`).
final class ProgressLine {
    /// True when stderr is a terminal.
    static let onTerminal = isatty(2) == 1
    /// The escape that returns to the start of the line and clears it.
    static let clearSequence = "\r\u{1B}[K"

    let noun: String
    let total: Int?
    let start = Date()
    private var lastDraw = 0.0
    private var shown = false

    init(noun: String, total: Int?) {
        self.noun = noun
        self.total = total
    }

    /// Shows `count` done (redrawn only when 0.2 s have passed since the last drawing).
    func update(_ count: Int) {
        guard Self.onTerminal else { return }
        let elapsed = Date().timeIntervalSince(start)
        guard elapsed - lastDraw >= 0.2 else { return }
        lastDraw = elapsed
        shown = true
        FileHandle.standardError.write(Data((Self.clearSequence + Self.text(count: count, total: total, noun: noun, elapsed: elapsed)).utf8))
    }

    /// Removes the line (before the summary).
    func clear() {
        guard shown else { return }
        shown = false
        FileHandle.standardError.write(Data(Self.clearSequence.utf8))
    }

    /// The line's text.
    static func text(count: Int, total: Int?, noun: String, elapsed: Double) -> String {
        let rate = elapsed > 0 ? Double(count) / elapsed : 0
        var line = total.map { "\(count) of \($0) \(noun)" } ?? "\(count) \(noun)"
        line += " · \(rate >= 10 ? String(Int(rate.rounded())) : String(format: "%.1f", rate)) \(noun)/s"
        if let total, rate > 0, count < total {
            let left = Int((Double(total - count) / rate).rounded())
            line += " · " + (left >= 3600 ? "\(left / 3600):" + String(format: "%02d:%02d", left / 60 % 60, left % 60) : "\(left / 60):" + String(format: "%02d", left % 60)) + " left"
        }
        return line
    }
}
