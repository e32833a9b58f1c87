import Foundation

/// The dashboard page and the OpenAPI document, read once at start from the target's resource bundle.
///
/// The bundle is looked up by hand rather than through `Bundle.module`, whose accessor stops the process
/// when the bundle is missing (an executable copied without its `.resources` folder): here that is a
/// `ServerError` saying where it was looked for.
struct ServerResources: Sendable {
    let dashboard: Data
    let openAPI: Data
    /// The routes the document describes, for `405` and `Allow`.
    let routes: RouteTable

    /// Where each page load's CSP nonce goes in the dashboard.
    static let noncePlaceholder = "__CSP_NONCE__"

    var dashboardTemplate: String { String(decoding: dashboard, as: UTF8.self) }

    static let bundleName = "agent-turbo_AgentTurboServer"

    static func load() throws(ServerError) -> ServerResources {
        let folders = candidateFolders()
        for folder in folders {
            if let dashboard = FileManager.default.contents(atPath: folder + "/dashboard.html"),
                let openAPI = FileManager.default.contents(atPath: folder + "/openapi.json")
            {
                return ServerResources(dashboard: dashboard, openAPI: openAPI, routes: RouteTable(openAPI: openAPI))
            }
        }
        throw ServerError(
            .missingResources,
            "cannot find the dashboard and OpenAPI files (\(bundleName).resources) next to the executable: install it beside agent-turbo"
        )
    }

    /// The bundle beside the executable (following symlinks) and beside the main bundle, then the source tree
    /// this file was built from (for `swift run` and tests).
    private static func candidateFolders() -> [String] {
        var executableFolders: [URL] = [Bundle.main.bundleURL]
        if let executable = Bundle.main.executableURL {
            executableFolders.append(executable.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        var folders: [String] = []
        for folder in executableFolders {
            for suffix in [".resources", ".bundle"] {
                if let bundle = Bundle(path: folder.appendingPathComponent(bundleName + suffix).path),
                    let url = bundle.url(forResource: "openapi", withExtension: "json", subdirectory: "Resources")
                {
                    folders.append(url.deletingLastPathComponent().path)
                }
            }
        }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        folders.append(source.appendingPathComponent("Resources").path)
        return folders
    }
}
