import CLibXML2

/// libxml2 on its own, for the benchmark's reference points (not used by the extractor).
public enum LibXML2Baselines {
    /// Parses `bytes` with the HTML SAX parser and empty handlers: the ceiling for any libxml2-based
    /// extractor. `encoding` is what the page declares (libxml2 converts it itself, as lxml users do);
    /// with `ignoreMetaCharset` libxml2 does not follow `<meta>` labels (for bytes already decoded).
    public static func saxEmptyHandlers(_ bytes: [UInt8], encoding: String?, ignoreMetaCharset: Bool = false) {
        nianbao_libxml2_silence()
        var sax = htmlSAXHandler()
        sax.startElement = { _, _, _ in }
        sax.endElement = { _, _ in }
        sax.characters = { _, _, _ in }
        sax.ignorableWhitespace = sax.characters
        sax.cdataBlock = sax.characters
        let enc = encoding.map { xmlParseCharEncoding($0) } ?? XML_CHAR_ENCODING_NONE
        bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { p in
                guard let ctxt = htmlCreatePushParserCtxt(&sax, nil, nil, 0, nil, enc) else { return }
                _ = htmlCtxtUseOptions(ctxt, Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
                    | HTML_PARSE_NONET.rawValue | (ignoreMetaCharset ? HTML_PARSE_IGNORE_ENC.rawValue : 0)))
                _ = htmlParseChunk(ctxt, p, Int32(buf.count), 1)
                htmlFreeParserCtxt(ctxt)
            }
        }
    }

    /// Builds and frees the DOM (`htmlReadMemory` + `xmlFreeDoc`).
    public static func domParseAndFree(_ bytes: [UInt8], encoding: String?) {
        nianbao_libxml2_silence()
        bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { p in
                let doc = htmlReadMemory(p, Int32(buf.count), nil, encoding,
                                         Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NONET.rawValue))
                if let doc { xmlFreeDoc(doc) }
            }
        }
    }
}
