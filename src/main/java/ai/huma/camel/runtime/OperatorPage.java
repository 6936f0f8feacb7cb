package ai.huma.camel.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.huma.camel.failure.DeadLetterFolder;
import ai.huma.camel.observe.OperatorReport;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator page of the standalone jar, on the management port beside {@code /observe/health} and
 * {@code /observe/metrics}: {@code GET /} is a small HTML page (with {@code /operator/operator.css}
 * and {@code /operator/operator.js}, from the jar) that shows readiness and why not, the queues, the
 * last events and the dead letters, from the JSON of {@link OperatorReport}:
 * <ul>
 * <li>{@code GET /operator/status.json}, {@code GET /operator/events.json},
 * {@code GET /operator/dead-letters.json}: read only;</li>
 * <li>{@code POST /operator/dead-letters/<file name>/replay}: the one request that changes anything,
 * a dead letter moved into the replay folder ({@link DeadLetterFolder#replay}). Only with
 * {@code huma.management.token} set and given (header {@code X-Huma-Management-Token}, or
 * {@code Authorization: Bearer}), compared in constant time (401 otherwise), and only from the page's
 * own origin ({@code Origin} against {@code Host}, {@code Sec-Fetch-Site}; 403 otherwise). Without a token set, replay is
 * off (403) and the page is read-only.</li>
 * </ul>
 * The handlers go on the Vert.x router of Camel Main's management server
 * ({@link ManagementHttpServer#getRouter()}), as Camel's own Prometheus scraping and Jolokia do;
 * without that server (camel.management.enabled=false) there is no page.
 */
public class OperatorPage extends ServiceSupport implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(OperatorPage.class);

    /** The header the page sends the token in. */
    public static final String TOKEN_HEADER = "X-Huma-Management-Token";
    static final String STATUS_PATH = "/operator/status.json";
    static final String EVENTS_PATH = "/operator/events.json";
    static final String DEAD_LETTERS_PATH = "/operator/dead-letters.json";
    static final String REPLAY_PATH = "/operator/dead-letters/:name/replay";
    /** A token shorter than this is refused at start: it could be guessed. */
    static final int MIN_TOKEN_LENGTH = 16;

    private static final String RESOURCES = "ai/huma/camel/runtime/operator/";
    private static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final JsonMapper json = JsonMapper.builder().build();
    private CamelContext camelContext;
    private boolean enabled = true;
    /** SHA-256 of the token; null: replay is off. The token itself is not kept. */
    private byte[] tokenDigest;
    private Map<String, byte[]> files;
    /** The routes added to the management server's router, removed again when the page stops. */
    private final List<Route> routes = new ArrayList<>();

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** The token that allows replay; empty: replay off. */
    public void setToken(String token) {
        if (token == null || token.isBlank()) {
            tokenDigest = null;
            return;
        }
        if (token.strip().length() < MIN_TOKEN_LENGTH) {
            // never the value: it is a secret
            throw new IllegalArgumentException("huma.management.token must be empty (replay off) or at least "
                    + MIN_TOKEN_LENGTH + " characters long");
        }
        tokenDigest = digest(token.strip());
    }

    /** True when replay is allowed (a token is set). */
    public boolean isReplayEnabled() {
        return tokenDigest != null;
    }

    /** Has the context start the page with the management server, from its settings. */
    public static OperatorPage install(CamelContext context) throws Exception {
        OperatorPage page = new OperatorPage();
        page.setCamelContext(context);
        PropertiesComponent properties = context.getPropertiesComponent();
        page.setEnabled(Boolean.parseBoolean(properties.resolveProperty("huma.management.page").orElse("true").strip()));
        page.setToken(properties.resolveProperty("huma.management.token").orElse(""));
        context.addService(page, true, false);
        return page;
    }

    @Override
    protected void doStart() throws Exception {
        ManagementHttpServer server = camelContext.hasService(ManagementHttpServer.class);
        if (!enabled || server == null || server.getRouter() == null) {
            LOG.debug("No operator page (huma.management.page={}, management server {})", enabled, server != null);
            return;
        }
        files = Map.of(
                "index.html", resource("index.html"),
                "operator.css", resource("operator.css"),
                "operator.js", resource("operator.js"));
        Router router = server.getRouter();
        routes.add(router.route(HttpMethod.GET, "/").handler(context -> file(context, "index.html", "text/html; charset=utf-8")));
        routes.add(router.route(HttpMethod.GET, "/operator/operator.css")
                .handler(context -> file(context, "operator.css", "text/css; charset=utf-8")));
        routes.add(router.route(HttpMethod.GET, "/operator/operator.js")
                .handler(context -> file(context, "operator.js", "text/javascript; charset=utf-8")));
        // the JSON reads folders and runs the health checks, the replay moves a file: off the event loop
        routes.add(router.route(HttpMethod.GET, STATUS_PATH).blockingHandler(json(this::status), false));
        routes.add(router.route(HttpMethod.GET, EVENTS_PATH).blockingHandler(json(() -> report().eventsJson()), false));
        routes.add(router.route(HttpMethod.GET, DEAD_LETTERS_PATH).blockingHandler(json(() -> report().deadLettersJson()), false));
        routes.add(router.route(HttpMethod.POST, REPLAY_PATH).blockingHandler(this::replay, false));
        PlatformHttpComponent platformHttp = camelContext.getComponent("platform-http", PlatformHttpComponent.class);
        if (platformHttp != null) {
            platformHttp.addHttpManagementEndpoint("/", "GET", null, "text/html", null);
            platformHttp.addHttpManagementEndpoint("/operator", "GET,POST", null, "application/json", null);
        }
    }

    @Override
    protected void doStop() {
        routes.forEach(Route::remove);
        routes.clear();
    }

    private OperatorReport report() {
        OperatorReport report = camelContext.getRegistry().lookupByNameAndType(OperatorReport.NAME, OperatorReport.class);
        if (report == null) {
            throw new IllegalStateException("no " + OperatorReport.NAME + " bean");
        }
        return report;
    }

    private DeadLetterFolder deadLetters() {
        DeadLetterFolder folder = camelContext.getRegistry().lookupByNameAndType(DeadLetterFolder.NAME, DeadLetterFolder.class);
        if (folder == null) {
            throw new IllegalStateException("no " + DeadLetterFolder.NAME + " bean");
        }
        return folder;
    }

    /** The report's status, and whether this page allows replay. */
    private String status() throws IOException {
        Map<String, Object> status = report().status();
        status.put("replay_enabled", isReplayEnabled());
        return json.writeValueAsString(status);
    }

    @FunctionalInterface
    private interface Json {
        String get() throws Exception;
    }

    private Handler<RoutingContext> json(Json body) {
        return context -> {
            try {
                answer(context, 200, body.get());
            } catch (Exception e) {
                LOG.warn("Operator page: {} failed: {}", context.request().path(), e.getMessage());
                answer(context, 500, error("could not read it: " + e.getClass().getSimpleName()));
            }
        };
    }

    /** POST /operator/dead-letters/<name>/replay: checked, then the file moved into the replay folder. */
    private void replay(RoutingContext context) {
        HttpServerRequest request = context.request();
        String from = request.remoteAddress() == null ? "?" : request.remoteAddress().hostAddress();
        if (!isSameOrigin(request)) {
            LOG.warn("Operator page: a replay request from another origin was refused (from {})", from);
            answer(context, 403, error("refused: the request does not come from this page's origin"));
            return;
        }
        if (!isReplayEnabled()) {
            answer(context, 403, error("replay is off: set huma.management.token (HUMA_MANAGEMENT_TOKEN) to allow it"));
            return;
        }
        if (!isTokenRight(presentedToken(request))) {
            LOG.warn("Operator page: a replay request without the right token was refused (from {})", from);
            context.response().putHeader("WWW-Authenticate", "Bearer realm=\"huma-camel management\"");
            answer(context, 401, error("wrong or missing token"));
            return;
        }
        String name = context.pathParam("name");
        if (!DeadLetterFolder.isValidName(name)) {
            answer(context, 400, error("not a dead letter's file name"));
            return;
        }
        try {
            deadLetters().replay(name);
            LOG.info("Operator page: dead letter {} moved to the replay folder (from {})", name, from);
            answer(context, 202, json.writeValueAsString(Map.of("replaying", name)));
        } catch (NoSuchFileException e) {
            answer(context, 404, error("no such dead letter (replayed already?)"));
        } catch (IOException | RuntimeException e) {
            LOG.warn("Operator page: dead letter {} could not be moved to the replay folder: {}", name, e.getMessage());
            answer(context, 500, error("could not move it to the replay folder: " + e.getClass().getSimpleName()));
        }
    }

    /**
     * A browser says where a request comes from: {@code Sec-Fetch-Site} (same-origin, or none for what
     * the user did) and {@code Origin}, whose host and port must be this request's {@code Host}. A client
     * that sends neither (curl, a script) is not a browser that another site could steer.
     */
    static boolean isSameOrigin(HttpServerRequest request) {
        String site = request.getHeader("Sec-Fetch-Site");
        if (site != null && !site.equalsIgnoreCase("same-origin") && !site.equalsIgnoreCase("none")) {
            return false;
        }
        String origin = request.getHeader(HttpHeaders.ORIGIN);
        if (origin == null) {
            return true;
        }
        // the Host header, or HTTP/2's :authority
        @SuppressWarnings("deprecation")
        String host = request.host();
        if (host == null) {
            return false;
        }
        try {
            URI uri = new URI(origin);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            return (scheme.equals("http") || scheme.equals("https")) && uri.getRawAuthority() != null
                    && uri.getRawAuthority().equalsIgnoreCase(host.strip());
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    private static String presentedToken(HttpServerRequest request) {
        String header = request.getHeader(TOKEN_HEADER);
        if (header != null) {
            return header;
        }
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7);
        }
        return null;
    }

    /** Compared as SHA-256 digests with MessageDigest.isEqual: the time does not tell how much matched. */
    boolean isTokenRight(String presented) {
        byte[] expected = tokenDigest;
        return expected != null && presented != null && MessageDigest.isEqual(expected, digest(presented.strip()));
    }

    private void file(RoutingContext context, String name, String contentType) {
        HttpServerResponse response = context.response();
        response.putHeader(HttpHeaders.CONTENT_TYPE, contentType);
        if (name.endsWith(".html")) {
            response.putHeader("Content-Security-Policy", PAGE_POLICY);
            response.putHeader("X-Frame-Options", "DENY");
        }
        headers(response);
        response.end(Buffer.buffer(files.get(name)));
    }

    private static void answer(RoutingContext context, int status, String body) {
        HttpServerResponse response = context.response().setStatusCode(status);
        response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        headers(response);
        response.end(body);
    }

    private static void headers(HttpServerResponse response) {
        response.putHeader("Cache-Control", "no-store");
        response.putHeader("X-Content-Type-Options", "nosniff");
        response.putHeader("Referrer-Policy", "no-referrer");
    }

    private String error(String message) {
        try {
            return json.writeValueAsString(Map.of("error", message));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = OperatorPage.class.getClassLoader().getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IOException("missing resource " + RESOURCES + name);
            }
            return in.readAllBytes();
        }
    }

    private static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
