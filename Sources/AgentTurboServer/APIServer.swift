import AgentTurboCore
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// `serve`'s HTTP server: the JSON API, the dashboard and Prometheus metrics over one store. A `Service`, so
/// that it runs in a `ServiceGroup` next to an in-process worker and stops on the group's graceful shutdown
/// (open log streams end then, so shutdown never waits for a running task).
public struct APIServer: Service {
    /// The Hummingbird application this server runs.
    public typealias HTTPApplication = Application<RouterResponder<BasicRequestContext>>

    public let configuration: Configuration
    let store: any TaskStore
    let logger: Logger
    let resources: ServerResources
    let followers = FollowerCount()
    private let onListening: @Sendable (Int) async -> Void

    /// Checks the configuration (a host beyond loopback needs a token) and loads the dashboard and the OpenAPI
    /// document, so that a bad setup fails before anything listens.
    /// - Parameter onListening: called with the bound port once the server listens (useful with port 0).
    public init(
        store: any TaskStore, configuration: Configuration, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws(ServerError) {
        try configuration.validate()
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.resources = try ServerResources.load()
        self.onListening = onListening
    }

    public func run() async throws {
        try await application().run()
    }

    /// The application: routes, middleware, address. Tests drive it with HummingbirdTesting.
    public func application() -> HTTPApplication {
        let logger = logger
        let configuration = configuration
        let onListening = onListening
        return Application(
            router: makeRouter(),
            server: .guardedHTTP1(configuration.connections),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "agent-turbo",
                availableConnectionsDelegate: .maximum(configuration.connections.maximumConnections, logger: logger)
            ),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                logger.info("serving the API and dashboard", metadata: [
                    "host": "\(configuration.host)", "port": "\(port)",
                    "auth": "\(configuration.token == nil ? "none" : "bearer token")",
                ])
                await onListening(port)
            },
            logger: logger
        )
    }

    func makeRouter() -> Router<BasicRequestContext> {
        // HEAD answers wherever GET does (uptime checks), with GET's headers and no body.
        let router = Router(context: BasicRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: ErrorMiddleware(logger: logger, routes: resources.routes))
        router.add(middleware: OriginGuardMiddleware(tokenRequired: configuration.token != nil))
        router.add(middleware: BearerAuthMiddleware(token: configuration.token, openPaths: ["/healthz"]))
        TaskRoutes(store: store, limits: configuration.limits, agents: configuration.agents).register(on: router)
        LogRoutes(
            store: store, pollInterval: configuration.followPollInterval,
            keepAliveInterval: configuration.followKeepAliveInterval, followers: followers
        )
            .register(on: router)
        SystemRoutes(store: store, resources: resources, followers: followers).register(on: router)
        HoldRoutes(store: store).register(on: router)
        return router
    }
}
