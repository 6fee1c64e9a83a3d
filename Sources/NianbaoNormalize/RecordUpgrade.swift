/// Reads records of earlier schema versions in the current one.
///
/// `nianbao.report/1` → `/2`: `tables.applications.carried_over` is `brought_forward` (上年结转, from
/// last year; `carried_forward` stays 结转下年度继续办理, to next year), `outcome.unavailable.
/// unclear_after_correction` is `still_unclear`, in the tables, `quality.cells` and check ids alike;
/// every check gains `cells`, `formula` and `message` (computed from the record's own values); `source`
/// gains `path` and `file_name` (null: a /1 record did not say). Nothing else changes.
public enum RecordUpgrade {
    /// The schema ids this version reads.
    public static let readable = ["nianbao.report/1", Normalizer.schemaID]

    /// Key renames of /1 → /2, as record path prefixes.
    public static let renamedPaths: [(old: String, new: String)] = [
        ("tables.applications.carried_over", "tables.applications.brought_forward"),
        ("tables.applications.outcome.unavailable.unclear_after_correction", "tables.applications.outcome.unavailable.still_unclear"),
    ]

    /// The record in the current schema (unchanged when it already is); nil for an unknown schema.
    public static func upgrade(_ record: JSONValue) -> JSONValue? {
        guard case .object(var root) = record, let schema = root["schema"]?.stringValue else { return nil }
        if schema == Normalizer.schemaID { return record }
        guard schema == "nianbao.report/1" else { return nil }
        func renamed(_ path: String) -> String {
            for r in renamedPaths where path == r.old || path.hasPrefix(r.old + ".") { return r.new + path.dropFirst(r.old.count) }
            return path
        }
        // Tables: move the renamed rows.
        if case .object(var apps)? = root["tables"]?.objectValue?["applications"] {
            if let v = apps["carried_over"] { apps["carried_over"] = nil; apps["brought_forward"] = v }
            if case .object(var outcome)? = apps["outcome"], case .object(var unavailable)? = outcome["unavailable"],
               let v = unavailable["unclear_after_correction"] {
                unavailable["unclear_after_correction"] = nil
                unavailable["still_unclear"] = v
                outcome["unavailable"] = .object(unavailable)
                apps["outcome"] = .object(outcome)
            }
            var tables = root["tables"]!.objectValue!
            tables["applications"] = .object(apps)
            root["tables"] = .object(tables)
        }
        if case .object(var quality)? = root["quality"] {
            if case .object(let cells)? = quality["cells"] {
                var moved = JSONObject()
                for (k, v) in cells { moved[renamed(k)] = v }
                quality["cells"] = .object(moved)
            }
            // Checks, recomputed from the record's values by the template's identities (same ids, order, sums).
            let template = ReportTemplate.of(TemplateKind(rawValue: root["report"]?.objectValue?["template"]?.stringValue ?? "") ?? .unknown)
            if let template, case .array(let checks)? = quality["checks"] {
                let recordValue = JSONValue.object(root)
                quality["checks"] = .array(checks.map { check in
                    guard let oldID = check[path: "id"]?.stringValue else { return check }
                    let id = oldID == "applications.row_total.carried_over" ? "applications.row_total.brought_forward"
                        : (oldID == "applications.row_total.outcome.unavailable.unclear_after_correction"
                           ? "applications.row_total.outcome.unavailable.still_unclear" : oldID)
                    guard let identity = template.identities.first(where: { $0.id == id }) else { return check }
                    let paths = identity.cellPaths.arrayValue?.compactMap(\.stringValue) ?? []
                    let values: [Int?] = paths.map { recordValue[path: $0]?.intValue }
                    let n = identity.expectedCells.count
                    return identity.check(expectedValues: Array(values[..<n]), actualValues: Array(values[n...]))
                })
            }
            root["quality"] = .object(quality)
        }
        if case .object(var source)? = root["source"] {
            if source["path"] == nil { source["path"] = .null }
            if source["file_name"] == nil { source["file_name"] = .null }
            root["source"] = .object(source)
        }
        root["schema"] = .string(Normalizer.schemaID)
        return .object(root)
    }
}
