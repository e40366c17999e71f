import Foundation

/// The rules every file and folder name obeys, whichever door it came through (web, WebDAV,
/// FTP, a ZIP download): one place, so no door can let through what another refuses.
///
/// Names keep the user's Unicode, normalised to NFC (macOS sends NFD; the same name typed on two
/// machines must be one file). Refused: empty names, `.` and `..`, separators (`/`, `\`), NUL
/// and control characters, the characters Windows forbids (`<>:"|?*`, so every file can be
/// copied to an office PC), Windows device names (`CON`, `NUL`, `COM1`… with or without an
/// extension), a trailing dot or space, more than 255 UTF-8 bytes a name or 4,096 a path.
public enum FileNames {
    public static let maxNameBytes = 255
    public static let maxPathBytes = 4096
    /// Folders within folders, at most (a path of 4,096 bytes allows about this many anyway).
    public static let maxDepth = 64

    /// Why a name or path was refused: the rejection reason (`invalid_name:<problem>`).
    public enum Problem: String, Error, Sendable {
        case empty, dots, separator, control, windowsCharacter, reserved, trailing, tooLong, pathTooLong, tooDeep, absolute
    }

    private static let windowsForbidden: Set<Unicode.Scalar> = ["<", ">", ":", "\"", "|", "?", "*"]
    private static let reservedBases: Set<String> = {
        var names: Set<String> = ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
        for digit in 0...9 { names.insert("COM\(digit)"); names.insert("LPT\(digit)") }
        for digit in ["¹", "²", "³"] { names.insert("COM\(digit)"); names.insert("LPT\(digit)") }
        return names
    }()

    /// One name (no separators), normalised; or why not.
    public static func name(_ raw: String) -> Result<String, Problem> {
        let name = raw.precomposedStringWithCanonicalMapping
        if name.isEmpty { return .failure(.empty) }
        if name == "." || name == ".." { return .failure(.dots) }
        if name.utf8.count > maxNameBytes { return .failure(.tooLong) }
        for scalar in name.unicodeScalars {
            if scalar == "/" || scalar == "\\" { return .failure(.separator) }
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) { return .failure(.control) }
            // Bidi overrides and other format characters make "gpj.exe" look like "exe.jpg".
            if scalar.properties.generalCategory == .format && scalar.value != 0x200D { return .failure(.control) }
            if windowsForbidden.contains(scalar) { return .failure(.windowsCharacter) }
        }
        if name.hasSuffix(".") || name.hasSuffix(" ") { return .failure(.trailing) }
        let base = name.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? name
        if reservedBases.contains(base.trimmingCharacters(in: .whitespaces).uppercased()) { return .failure(.reserved) }
        return .success(name)
    }

    /// A folder path inside an area: names joined by `/`, relative (no leading separator), "" the
    /// area's root. A trailing `/` is tolerated (WebDAV collections end with one).
    public static func path(_ raw: String) -> Result<[String], Problem> {
        if raw.isEmpty { return .success([]) }
        if raw.hasPrefix("/") || raw.hasPrefix("\\") { return .failure(.absolute) }
        if raw.utf8.count > maxPathBytes { return .failure(.pathTooLong) }
        var text = Substring(raw)
        if text.hasSuffix("/") { text = text.dropLast() }
        if text.isEmpty { return .success([]) }
        var names: [String] = []
        for part in text.split(separator: "/", omittingEmptySubsequences: false) {
            switch name(String(part)) {
            case .success(let clean): names.append(clean)
            case .failure(let problem): return .failure(problem)
            }
        }
        if names.count > maxDepth { return .failure(.tooDeep) }
        if names.joined(separator: "/").utf8.count > maxPathBytes { return .failure(.pathTooLong) }
        return .success(names)
    }

    /// The path's normalised text form ("" for the root).
    public static func normalisedPath(_ raw: String) -> Result<String, Problem> {
        path(raw).map { $0.joined(separator: "/") }
    }

    /// The key under which two names collide: Windows and macOS clients see `Report.pdf` and
    /// `report.pdf` as one file, so the server does too.
    public static func key(_ name: String) -> String {
        name.precomposedStringWithCanonicalMapping.lowercased()
    }

    /// `name` if free, else the first of "name (2).ext", "name (3).ext"… that is (as Explorer does).
    public static func free(_ name: String, isTaken: (String) -> Bool) -> String {
        guard isTaken(key(name)) else { return name }
        let (stem, ext) = split(name)
        var counter = 2
        while true {
            var candidate = "\(stem) (\(counter))\(ext)"
            // Keep within the byte limit by shortening the stem, never the extension.
            var shortened = stem
            while candidate.utf8.count > maxNameBytes, !shortened.isEmpty {
                shortened.removeLast()
                candidate = "\(shortened) (\(counter))\(ext)"
            }
            if !isTaken(key(candidate)) { return candidate }
            counter += 1
        }
    }

    /// "report.final.pdf" → ("report.final", ".pdf"); ".bashrc" → (".bashrc", "").
    static func split(_ name: String) -> (stem: String, ext: String) {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return (name, "") }
        return (String(name[..<dot]), String(name[dot...]))
    }
}
