import Foundation

/// Decides how many agents may start now: the free slots, unless a free-memory floor says fewer (or none).
struct Admission: Sendable {
    let floor: Int64?
    let perAgent: Int64
    let readAvailable: @Sendable () -> Int64?

    init(configuration: WorkerConfiguration, readAvailable: @escaping @Sendable () -> Int64? = Admission.memAvailable) {
        floor = configuration.minFreeMemoryBytes
        perAgent = max(1, configuration.memoryPerAgentBytes)
        self.readAvailable = readAvailable
    }

    struct Allowance: Sendable {
        var slots: Int
        /// Why fewer slots than free were allowed, for `workers`.
        var holdReason: String?
    }

    func allowance(freeSlots: Int) -> Allowance {
        guard let floor, freeSlots > 0 else { return Allowance(slots: freeSlots) }
        guard let available = readAvailable() else { return Allowance(slots: freeSlots) }
        let spare = available - floor
        guard spare > 0 else {
            return Allowance(
                slots: 0,
                holdReason: "free memory \(Self.format(available)) is below the floor of \(Self.format(floor)): starting nothing"
            )
        }
        let fits = Int(min(Int64(freeSlots), max(1, spare / perAgent)))
        return Allowance(
            slots: fits,
            holdReason: fits < freeSlots ? "free memory \(Self.format(available)) leaves room for \(fits) more agent(s) above the floor of \(Self.format(floor))" : nil
        )
    }

    /// Memory the system can give without swapping, in bytes: `MemAvailable` from /proc/meminfo on Linux;
    /// free, inactive, purgeable and speculative pages on macOS.
    static func memAvailable() -> Int64? {
        #if os(Linux)
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let number = line.split(separator: " ").dropFirst().first.flatMap { Int64($0) }
            return number.map { $0 * 1024 }
        }
        return nil
        #elseif canImport(Darwin)
        var info = vm_statistics64()
        var count = mach_msg_type_number_t(MemoryLayout<vm_statistics64_data_t>.size / MemoryLayout<integer_t>.size)
        let result = withUnsafeMutablePointer(to: &info) {
            $0.withMemoryRebound(to: integer_t.self, capacity: Int(count)) {
                host_statistics64(mach_host_self(), HOST_VM_INFO64, $0, &count)
            }
        }
        guard result == KERN_SUCCESS else { return nil }
        let pages = Int64(info.free_count) + Int64(info.inactive_count) + Int64(info.purgeable_count)
            + Int64(info.speculative_count)
        return pages * Int64(vm_kernel_page_size)
        #else
        return nil
        #endif
    }

    static func format(_ bytes: Int64) -> String {
        let gib = Double(bytes) / Double(1 << 30)
        return gib >= 1 ? String(format: "%.1f GiB", gib) : String(format: "%.0f MiB", Double(bytes) / Double(1 << 20))
    }
}
