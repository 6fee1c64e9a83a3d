import Testing
import Foundation
@testable import NianbaoNormalize
import NianbaoExtract

@Test func scratch() throws {
    let path = ProcessInfo.processInfo.environment["SCRATCH"] ?? ""
    guard !path.isEmpty else { return }
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let page = TextPageReader.read(text)
    var st = NormalizeState(page: page)
    for (i, s) in st.segments.enumerated() {
        if case .line(let l) = s, let h = PageText.heading(l) { print("HEADING", i, h, l) }
    }
    let stream = CellStreamBuilder.build(st.segments[...])
    for c in stream.prefix(400) { print(c.key, c.token.map { "\($0)" } ?? "-") }
    _ = st.warnings
    st.warn("x", "y")
}
