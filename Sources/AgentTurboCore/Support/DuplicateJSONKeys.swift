import Foundation

/// Finds a key given twice in one JSON object. JSON parsers keep one of the two values without a word, so
/// `{"prompt": "a", "prompt": "b"}` would run one prompt while the user meant the other; inputs are checked
/// with this first and refused with a sentence naming the key.
public enum DuplicateJSONKeys {
    /// The first key that appears twice in the same object, or `nil`. Text that is not JSON is not judged
    /// here: the parser refuses it afterwards.
    public static func first(in data: Data) -> String? {
        data.withUnsafeBytes { first(in: $0.bindMemory(to: UInt8.self)) }
    }

    public static func first(in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        // One entry per open container: the keys seen so far for an object, nil for an array.
        var open: [Set<String>?] = []
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "{"):
                open.append([])
                index += 1
            case UInt8(ascii: "["):
                open.append(nil)
                index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = open.popLast()
                index += 1
            case UInt8(ascii: "\""):
                let (text, end) = string(in: bytes, openingQuoteAt: index)
                index = end
                var next = end
                while next < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[next]) {
                    next += 1
                }
                guard next < bytes.count, bytes[next] == UInt8(ascii: ":"), let top = open.indices.last, open[top] != nil else {
                    continue
                }
                if !open[top]!.insert(text).inserted {
                    return text
                }
            default:
                index += 1
            }
        }
        return nil
    }

    /// The string starting at the quote, unescaped, and the index just past its closing quote.
    private static func string(in bytes: UnsafeBufferPointer<UInt8>, openingQuoteAt start: Int) -> (String, Int) {
        var index = start + 1
        var escaped = false
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
            if bytes[index] == UInt8(ascii: "\\") {
                escaped = true
                index += 1
            }
            index += 1
        }
        let end = min(index + 1, bytes.count)
        let raw = Data(bytes[start..<end])
        guard escaped else {
            return (String(decoding: raw.dropFirst().dropLast(), as: UTF8.self), end)
        }
        // Escapes (\" \u0041 and the rest) as JSON reads them, so "a" and "\u0061" are the same key.
        let text = (try? JSONSerialization.jsonObject(with: raw, options: [.fragmentsAllowed])) as? String
        return (text ?? String(decoding: raw, as: UTF8.self), end)
    }
}
