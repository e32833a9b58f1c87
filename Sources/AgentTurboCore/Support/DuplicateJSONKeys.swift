import Foundation

/// Finds a key given twice in one JSON object. JSON parsers keep one of the two values without a word, so
/// `{"prompt": "a", "prompt": "b"}` would run one prompt while the user meant the other; inputs are checked
/// with this after they parse, and refused with a sentence naming the key.
public enum DuplicateJSONKeys {
    public struct Duplicate: Sendable, Equatable {
        /// The key, unescaped.
        public var key: String
        /// Its object's place (from 1) when the text is an array of objects, such as a batch of tasks.
        public var element: Int?

        public init(key: String, element: Int? = nil) {
            self.key = key
            self.element = element
        }

        /// "the field 'x' is given twice in one object: give each field once", with "task N: " before it in an
        /// array when `elementLabel` is given.
        public func message(elementLabel: String? = nil) -> String {
            let place = element.flatMap { element in elementLabel.map { "\($0) \(element): " } } ?? ""
            return place + "the field '\(key)' is given twice in one object: give each field once"
        }
    }

    /// The first key that appears twice in the same object, or `nil`. Keys are compared as JSON compares them,
    /// code point by code point (`é` and `e` + U+0301 are two keys); escapes are read (`a` and `\u0061` are one).
    /// Text that is not JSON is not judged here.
    public static func first(in data: Data) -> Duplicate? {
        data.withUnsafeBytes { first(in: $0.bindMemory(to: UInt8.self)) }
    }

    static func first(in bytes: UnsafeBufferPointer<UInt8>) -> Duplicate? {
        // One entry per open container: the keys seen so far for an object, nil for an array.
        var open: [Set<[UInt8]>?] = []
        // Commas met directly inside a top-level array, to name the element.
        var topLevelCommas = 0
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
            case UInt8(ascii: ","):
                if open.count == 1, open[0] == nil {
                    topLevelCommas += 1
                }
                index += 1
            case UInt8(ascii: "\""):
                let (key, end) = string(in: bytes, openingQuoteAt: index)
                index = end
                var next = end
                while next < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[next]) {
                    next += 1
                }
                guard next < bytes.count, bytes[next] == UInt8(ascii: ":"), let top = open.indices.last, open[top] != nil else {
                    continue
                }
                if !open[top]!.insert(key).inserted {
                    let element = open.count > 1 && open[0] == nil ? topLevelCommas + 1 : nil
                    return Duplicate(key: String(decoding: key, as: UTF8.self), element: element)
                }
            default:
                index += 1
            }
        }
        return nil
    }

    /// The string starting at the quote as UTF-8 bytes with its escapes read, and the index just past its
    /// closing quote.
    private static func string(in bytes: UnsafeBufferPointer<UInt8>, openingQuoteAt start: Int) -> ([UInt8], Int) {
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
        let inside = Array(bytes[min(start + 1, end)..<min(index, bytes.count)])
        guard escaped else { return (inside, end) }
        // Escapes (\" \u0041 and the rest) as JSON reads them; Swift keeps the code points as they were.
        let raw = Data(bytes[start..<end])
        guard let text = (try? JSONSerialization.jsonObject(with: raw, options: [.fragmentsAllowed])) as? String else {
            return (inside, end)
        }
        return (Array(text.utf8), end)
    }
}
