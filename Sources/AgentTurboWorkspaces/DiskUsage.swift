import Foundation

/// The disk a folder takes: its files' allocated blocks, without following symbolic links.
enum DiskUsage {
    static func bytes(of path: String) -> Int {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        var total = Int(info.st_blocks) * 512
        guard (info.st_mode & S_IFMT) == S_IFDIR, let folder = opendir(path) else { return total }
        defer { closedir(folder) }
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." {
                continue
            }
            total += bytes(of: path + "/" + name)
        }
        return total
    }
}
