import Foundation
import AgentTurboCore

extension APIServer {
    /// Where the server listens, who may call it, and how much it accepts. Every value has a default.
    public struct Configuration: Sendable {
        public var host: String = "127.0.0.1"
        /// 0 lets the system pick a free port (reported through `onListening` and the log).
        public var port: Int = 8080
        /// With a token every route but `/healthz` wants `Authorization: Bearer TOKEN`.
        public var token: String?
        public var limits = RequestLimits()
        /// The agent profiles submitted tasks are checked against (unknown agent, prompt too long for it);
        /// `nil` accepts any valid profile name.
        public var agents: AgentCatalog?
        public var connections = ConnectionLimits()
        /// How often a followed log (`?follow=true`) reads the store for new output.
        public var followPollInterval: Duration = .milliseconds(300)
        /// How much quiet on a followed log before a `: keep-alive` comment (well under the idle timeouts of
        /// proxies; a response being sent is never cut by this server's own).
        public var followKeepAliveInterval: Duration = .seconds(15)

        public init(host: String = "127.0.0.1", port: Int = 8080, token: String? = nil) {
            self.host = host
            self.port = port
            self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        }

        /// Refuses a port out of range, and any host beyond loopback without a token: the API can start
        /// agents that run commands, so it is never left open to the network.
        public func validate() throws(ServerError) {
            guard (0...65535).contains(port) else {
                throw ServerError(.invalidConfiguration, "--port must be between 0 and 65535, not \(port)")
            }
            guard !host.isEmpty else {
                throw ServerError(.invalidConfiguration, "--host is empty: use 127.0.0.1, or an address with AGENT_TURBO_API_TOKEN set")
            }
            try connections.validate()
            if token == nil, !Self.isLoopback(host) {
                throw ServerError(
                    .insecureBind,
                    "refusing to listen on \(host) without a token: set AGENT_TURBO_API_TOKEN or use --host 127.0.0.1"
                )
            }
        }

        /// `localhost`, `127.0.0.0/8` and `::1`.
        public static func isLoopback(_ host: String) -> Bool {
            let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            if name == "localhost" || name == "::1" || name == "0:0:0:0:0:0:0:1" {
                return true
            }
            let octets = name.split(separator: ".", omittingEmptySubsequences: false)
            return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
        }
    }

    /// Size caps on request bodies, checked before anything is decoded or stored.
    public struct RequestLimits: Sendable {
        /// Most bytes of one request body.
        public var maximumRequestBytes: Int = 16 << 20
        /// Most bytes of one task object (as compact JSON); its prompt is further limited to 1 MiB by
        /// `NewTask.validate()`, which counts UTF-8 bytes rather than escaped JSON.
        public var maximumTaskBytes: Int = 2 << 20

        public init() {}
    }

    /// How long a connection may stay silent or slow, and how many may be open: a client that opens connections
    /// and sends nothing, or sends a request a byte at a time, holds them only this long. A response being sent
    /// (a followed log, which writes a keep-alive every 15 s) is never cut by these.
    public struct ConnectionLimits: Sendable {
        /// A connection with no request in progress and nothing received is closed after this.
        public var idleTimeout: Duration = .seconds(30)
        /// From the first byte of a request until its head (request line and headers) is complete.
        public var headerTimeout: Duration = .seconds(10)
        /// From the end of a request's head until the end of its body.
        public var bodyTimeout: Duration = .seconds(30)
        /// Connections open at once; more wait in the listen queue until one closes.
        public var maximumConnections: Int = 512

        public init() {}

        func validate() throws(ServerError) {
            for (name, value) in [("--idle-timeout", idleTimeout), ("--header-timeout", headerTimeout), ("--body-timeout", bodyTimeout)] {
                guard value > .zero, value <= .seconds(86_400) else {
                    throw ServerError(.invalidConfiguration, "\(name) must be between 1 ms and 24 hours, not \(value)")
                }
            }
            guard (1...1_000_000).contains(maximumConnections) else {
                throw ServerError(
                    .invalidConfiguration, "--max-connections must be between 1 and 1000000, not \(maximumConnections)"
                )
            }
        }
    }
}
