// nianbao-bench: in-process reference timings for scripts/bench.sh.
//
//   nianbao-bench sax DIR        libxml2 SAX parse with empty handlers (the ceiling)
//   nianbao-bench dom DIR        libxml2 DOM parse + free
//   nianbao-bench extract DIR    nianbao's decode + SAX extraction into the page model only
//   nianbao-bench normalize DIR  nianbao's whole pipeline in this process, one thread
//   nianbao-bench stages DIR     the pipeline's stages timed one by one (ms per page), to steer profiling
//
// Each mode reads every *.html file of DIR into memory first, runs the work ROUNDS times (env
// NIANBAO_BENCH_ROUNDS, default 3) and prints the best round as pages/s and MB/s.
import Foundation
import NianbaoDecode
import NianbaoExtract
import NianbaoPipeline
import NianbaoNormalize
import NianbaoEncode
import Crypto

let args = CommandLine.arguments
guard args.count == 3, ["sax", "dom", "extract", "normalize", "stages"].contains(args[1]) else {
    FileHandle.standardError.write(Data("usage: nianbao-bench sax|dom|extract|normalize|stages DIR\n".utf8))
    exit(64)
}
let mode = args[1], dir = args[2]
let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".html") }.sorted()
let pages: [(String, [UInt8])] = names.map { ($0, [UInt8](FileManager.default.contents(atPath: dir + "/" + $0) ?? Data())) }
let bytes = pages.reduce(0) { $0 + $1.1.count }
let declared: [String?] = pages.map { CharsetDecoder.metaCharset($0.1).flatMap(CharsetDecoder.canonicalName).map { $0 == "gb18030" ? "GB18030" : $0.uppercased() } }
let rounds = Int(ProcessInfo.processInfo.environment["NIANBAO_BENCH_ROUNDS"] ?? "3") ?? 3
Pipeline.initialize()
if mode == "stages" {
    // Each stage runs on the previous stage's output, kept in memory, so its time is its own.
    // NIANBAO_BENCH_PROFILE=<stage> repeats that stage ROUNDS times and the others once (for perf).
    let profiled = ProcessInfo.processInfo.environment["NIANBAO_BENCH_PROFILE"]
    func time(_ stage: String, _ work: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<(profiled == nil || profiled == stage ? rounds : 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            work()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return best / Double(pages.count)
    }
    var texts: [[UInt8]] = []
    var models: [PageModel] = []
    var records: [JSONValue] = []
    let source = SourceInfo(url: nil, retrievedAt: nil, contentSHA256: String(repeating: "0", count: 64), charset: "utf-8",
                            charsetSource: "meta", capture: nil, warnings: [])
    let extractor = ExtractorInfo(name: "nianbao", version: "bench", libxml2: HTMLPageReader.libxml2Version)
    let sax = time("sax") { for (i, p) in pages.enumerated() { LibXML2Baselines.saxEmptyHandlers(p.1, encoding: declared[i]) } }
    let decode = time("decode") { texts = pages.map { (try? CharsetDecoder.decode($0.1).utf8) ?? [] } }
    let extract = time("extract") { models = texts.map { HTMLPageReader.read(utf8: $0, limits: Pipeline.readerLimits) } }
    // Inside extract: the start-tag filter, and libxml2 with empty handlers on the filtered UTF-8.
    var slimmed: [[UInt8]] = []
    let filter = time("filter") { slimmed = texts.map { StartTagFilter.filter($0) } }
    let saxFiltered = time("saxfiltered") { for t in slimmed { LibXML2Baselines.saxEmptyHandlers(t, encoding: "UTF-8", ignoreMetaCharset: true) } }
    let kept = Double(slimmed.reduce(0) { $0 + $1.count }) / Double(max(1, texts.reduce(0) { $0 + $1.count }))
    let normalize = time("normalize") { records = models.compactMap { try? Normalizer.normalize($0, source: source, id: "bench", extractor: extractor) } }
    let encode = time("encode") { for r in records { _ = CanonicalJSON.encode(r) } }
    let digest = time("digest") { for p in pages { _ = SHA256.hash(data: p.1) } }
    for (name, ms) in [("libxml2 SAX, empty handlers", sax), ("decode (charset → UTF-8)", decode), ("extract (SAX → page model)", extract),
                       ("  of which start-tag filter", filter), ("  of which libxml2 alone", saxFiltered),
                       ("normalize (page model → record)", normalize), ("encode (canonical JSON)", encode), ("sha256 of the input", digest)] {
        print(name.padding(toLength: 34, withPad: " ", startingAt: 0) + String(format: " %.3f ms/page", ms))
    }
    print(String(format: "the filter keeps %.0f %% of the decoded bytes for libxml2", kept * 100))
    print("sum of nianbao's stages".padding(toLength: 34, withPad: " ", startingAt: 0)
          + String(format: " %.3f ms/page (%d of %d pages gave records)", decode + extract + normalize + encode + digest, records.count, pages.count))
    exit(0)
}
var best = Double.infinity
var failures = 0
for _ in 0..<rounds {
    let start = DispatchTime.now().uptimeNanoseconds
    failures = 0
    for (i, page) in pages.enumerated() {
        switch mode {
        case "sax": LibXML2Baselines.saxEmptyHandlers(page.1, encoding: declared[i])
        case "dom": LibXML2Baselines.domParseAndFree(page.1, encoding: declared[i])
        case "extract":
            if let text = try? CharsetDecoder.decode(page.1).utf8 { _ = HTMLPageReader.read(utf8: text, limits: Pipeline.readerLimits) } else { failures += 1 }
        default:
            do { _ = try Pipeline.normalize(bytes: page.1, name: page.0) } catch { failures += 1 }
        }
    }
    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}
let label = ["sax": "libxml2 SAX, empty handlers", "dom": "libxml2 DOM parse+free", "extract": "nianbao decode + extract (page model)", "normalize": "nianbao normalize in-process, 1 thread"][mode]!
print(String(format: "%@: %.1f pages/s %.1f MB/s (%d pages, best of %d: %.3f s%@)", label, Double(pages.count) / best,
             Double(bytes) / 1_048_576 / best, pages.count, rounds, best, failures > 0 ? ", \(failures) failed" : ""))
