import Foundation
import NianbaoTestSupport
import Testing

/// `scripts/install.sh`: a release binary with the Swift runtime linked in, its manual and completions.
@Suite struct InstallTests {
    /// The prefix scripts/test.sh installed into, or one installed now (a build of its own, in
    /// `.build-install`, so it never waits for the build directory this test runs from).
    func installedPrefix() throws -> String {
        if let p = ProcessInfo.processInfo.environment["NIANBAO_INSTALLED_PREFIX"] { return p }
        let prefix = try scratchDirectory("install")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [packageRoot.appendingPathComponent("scripts/install.sh").path, prefix]
        p.environment = ProcessInfo.processInfo.environment.merging(["NIANBAO_SCRATCH_PATH": packageRoot.appendingPathComponent(".build-install").path]) { $1 }
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "scripts/install.sh failed")
        return prefix
    }

    /// Runs a command with an empty environment but for PATH=/usr/bin:/bin (no toolchain, no
    /// LD_LIBRARY_PATH), from `directory`.
    func bare(_ command: [String], in directory: String) throws -> (status: Int32, stdout: Data, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["-i", "PATH=/usr/bin:/bin", "HOME=\(directory)"] + command
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, o, String(decoding: e, as: UTF8.self))
    }

    @Test func theInstalledBinaryRunsWithoutTheSwiftToolchain() throws {
        let prefix = try installedPrefix()
        let bin = prefix + "/bin/nianbao"
        #expect(FileManager.default.isExecutableFile(atPath: bin))
        let work = try scratchDirectory("installed-run")
        defer { removeScratch(work) }
        // No library of the toolchain among those it loads.
        let ldd = try bare(["ldd", bin], in: work)
        let libraries = String(decoding: ldd.stdout, as: UTF8.self)
        #expect(ldd.status == 0 && libraries.contains("libc.so"), "\(libraries)")
        for name in ["libswiftCore", "libFoundation", "libdispatch", "libBlocksRuntime", "/swift/"] {
            #expect(!libraries.contains(name), "\(name) in:\n\(libraries)")
        }
        // The same record as the tested build, from a scratch directory with nothing but PATH.
        let page = packageRoot.appendingPathComponent("Snapshots/pingtan-2025-html/input.html").path
        let installed = try bare([bin, "normalize", page], in: work)
        let tested = try run(["normalize", page], in: work)
        #expect(installed.status == 0, "\(installed.stderr)")
        #expect(installed.stdout == tested.stdout && !installed.stdout.isEmpty, "the installed binary gives another record")
        // A load into SQLite and the dictionary work too; harvest starts (libcurl is loaded when needed).
        try installed.stdout.write(to: URL(fileURLWithPath: work + "/r.ndjson"))
        let export = try bare([bin, "export", "r.ndjson", "--to", "r.sqlite"], in: work)
        #expect(export.status == 0 && export.stderr.contains("sqlite:r.sqlite: 1 new"), "\(export.stderr)")
        #expect(try bare([bin, "harvest", "--help"], in: work).status == 0)
        // The manual: one page per command, in man(7) format.
        let manual = prefix + "/share/man/man1"
        for command in ["nianbao", "nianbao.normalize", "nianbao.harvest", "nianbao.export", "nianbao.review", "nianbao.check-years", "nianbao.dictionary"] {
            let text = try String(contentsOfFile: "\(manual)/\(command).1", encoding: .utf8)
            #expect(text.contains(".Dt") || text.contains(".TH"), "\(command).1 is not a manual page")
        }
        #expect(try String(contentsOfFile: manual + "/nianbao.normalize.1", encoding: .utf8).contains("jobs"))
        // Completions: bash registers a function; zsh and fish files are theirs.
        let bash = try bare(["bash", "-c", "source \(prefix)/share/bash-completion/completions/nianbao && complete -p nianbao"], in: work)
        #expect(bash.status == 0 && String(decoding: bash.stdout, as: UTF8.self).contains("nianbao"), "\(bash.stderr)")
        #expect(try String(contentsOfFile: prefix + "/share/zsh/site-functions/_nianbao", encoding: .utf8).hasPrefix("#compdef nianbao"))
        #expect(try String(contentsOfFile: prefix + "/share/fish/vendor_completions.d/nianbao.fish", encoding: .utf8).contains("complete -c 'nianbao'"))
    }
}
