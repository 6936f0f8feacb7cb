package ai.huma.camel.simulator;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A simulated Huma REST API, for the tests and for the jar's demo and simulator commands (README
 * "What you see in the demo"): a real HTTP server on a loopback port, with the calls the bundle makes
 * (HUMA_API.md), a Bearer-key check, deterministic multi-page data, a log of every request, and
 * fault injection (HTTP errors, slow answers), down to a hostile API: bodies that trickle, never end,
 * are cut short or inflate to gigabytes, pages that are huge or never last, odd metadata and download URLs.
 * Asked as Huma is asked (a question, a subscription, a visual), it "computes" after a delay and calls
 * the bundle's webhooks back as Huma does ({@link #callbacks}, {@link SimulatedCallbacks}), or loses the
 * callbacks on the way ({@link #loseCallbacks}).
 */
public final class HumaSimulator implements AutoCloseable {

    private static final Pattern QUESTION_RESULT = Pattern.compile("/v1/questions/([^/]+)/result");
    private static final Pattern QUESTION_STATUS = Pattern.compile("/v1/questions/([^/]+)/status");
    private static final Pattern VISUAL_STATUS = Pattern.compile("/v1/histories/([^/]+)/visual/status");
    private static final String ACCESS_PERMISSIONS = "/v1/sdk/access-permissions";
    private static final String ASK_QUESTION = "/v1/questions";
    private static final String SUBSCRIBE = "/v1/subscription/create";
    private static final String ASK_VISUAL = "/v1/histories/visual";
    private static final int MAX_REQUEST_BODY = 64 * 1024;
    /** What Huma's ids look like (object ids): the simulator serves any id of this shape, registered or not. */
    private static final Pattern WELL_FORMED_ID = Pattern.compile("[0-9a-f]{24}");
    /** Records of a question or a subscription whose id was not registered: three pages and two pages of 100. */
    public static final int ANY_QUESTION_RECORDS = 250;
    public static final int ANY_SUBSCRIPTION_RECORDS = 120;
    private static final Pattern SUBSCRIPTION_DATA = Pattern.compile("/v1/subscription/([^/]+)/data");
    private static final Pattern VISUAL_RESULT = Pattern.compile("/v1/histories/([^/]+)/visual/result");
    private static final Pattern FILE = Pattern.compile("/files/([^/]+)");
    private static final String JSON = "application/json";
    private static final String OCTETS = "application/octet-stream";
    private static final int CHUNK = 64 * 1024;
    /** How every table answer starts, the endless and huge ones too. */
    private static final byte[] ANSWER_HEAD = ascii("{\"answer\":{\"type\":\"table\",\"data\":[");
    /** 64 kB of whole 1 kB records, the endless answer repeats it forever. */
    private static final byte[] ENDLESS_CHUNK = ascii(("{\"row\":1,\"pad\":\"" + "x".repeat(1024) + "\"},")
            .repeat(CHUNK / 1043 + 1));
    /** 64 kB of a large visual's bytes; as 256 divides its length, repeating it continues the pattern. */
    private static final byte[] VISUAL_CHUNK = new byte[CHUNK];
    private static final byte[] PAD = ascii("x".repeat(CHUNK));
    private static final byte[] SPACES = ascii(" ".repeat(CHUNK));
    private static final byte[] BOMB_HEAD = ascii("{\"answer\":{\"type\":\"table\",\"data\":[{\"row\":1,\"pad\":\"");
    private static final byte[] BOMB_TAIL = ascii("\"}]},\"metadata\":{\"has_next_page\":false,\"page_count\":1}}");

    static {
        for (int i = 0; i < CHUNK; i++) {
            VISUAL_CHUNK[i] = expectedVisualByte(i);
        }
    }

    /** One request as the simulator received it, with the time it arrived (System.nanoTime). */
    public record Request(String method, String path, Map<String, String> query, String authorization, String serviceAccess,
            long receivedNanos, String body) {

        public int page() {
            return Integer.parseInt(query.getOrDefault("page", "0"));
        }
    }

    private record Fault(Pattern path, Integer page, int status, Map<String, String> headers, AtomicInteger remaining) {
    }

    private record Slowness(Pattern path, Duration delay, AtomicInteger remaining) {
    }

    /** A visual: its content, or none when generated ({@code length} bytes, or endless when -1), and its download URL if odd. */
    private record Visual(String fileType, byte[] content, long length, String downloadUrl) {
    }

    /** The ways a call can misbehave, in the order they are tried (see {@code handle}). */
    private enum Mode { ENDLESS, GZIP_BOMB, TRICKLE, CUT }

    /** A misbehaviour for the next {@code remaining} calls whose path matches. */
    private record Hostile(Mode mode, Pattern path, Duration interval, long bytes, AtomicInteger remaining) {
    }

    /** What a call answers: status, content type, body length (-1: unknown or endless, sent chunked) and body. */
    private record Answer(int status, String contentType, long length, Body body) {
    }

    /** Writes a body as it goes: generated bodies are never held in memory whole. */
    @FunctionalInterface
    private interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private final ObjectMapper json = new ObjectMapper();
    /** The API key of the tests' simulator; fixed, so that the secret scan (SecretScanIT) knows what to look for. */
    public static final String API_KEY = "fake-api-key-7c1e2b9a-5d4f-4e08-9b3a-2f6d8e1c0a57";

    private final String apiKey;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(16);
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final List<Slowness> slowness = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final Map<String, Integer> questions = new ConcurrentHashMap<>();
    private final Map<String, Integer> subscriptions = new ConcurrentHashMap<>();
    private final Map<String, Visual> visuals = new ConcurrentHashMap<>();
    private final List<Hostile> hostile = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> hugePages = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Object>> metadataOverrides = new ConcurrentHashMap<>();
    private final AtomicLong bytesStreamed = new AtomicLong();
    private volatile Duration delay = Duration.ZERO;
    /** The questions and visuals asked through the API whose "computation" has not finished yet. */
    private final Set<String> computing = ConcurrentHashMap.newKeySet();
    /** The questions asked through the API that Huma "rejected". */
    private final Set<String> rejected = ConcurrentHashMap.newKeySet();
    private volatile boolean rejectQuestions;
    private final SimulatedCallbacks callbacks = new SimulatedCallbacks();

    /** One attempt at a callback to the bundle: its event, its id, which attempt, the answer (-1: none) or lost. */
    public record Callback(String event, String id, int attempt, int status, boolean lost) {
    }

    /** On a free loopback port, taking the tests' key {@link #API_KEY}. */
    public HumaSimulator() throws IOException {
        this(0, API_KEY);
    }

    static {
        // answers go out at once: the JDK's server writes headers and body apart, and with Nagle's
        // algorithm each answer would wait for the client's delayed ACK (about 40 ms on Linux)
        System.getProperties().putIfAbsent("sun.net.httpserver.nodelay", "true");
    }

    /** On this loopback port (0: a free one), taking this API key only. */
    public HumaSimulator(int port, String apiKey) throws IOException {
        if (apiKey == null || apiKey.isBlank()) {
            throw new IllegalArgumentException("the simulator needs an API key");
        }
        this.apiKey = apiKey;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * A simulator on a free loopback port, taking the tests' key {@link #API_KEY}: the way tests start
     * one (a field's initializer can take it, as it throws no checked exception).
     */
    public static HumaSimulator start() {
        return start(API_KEY);
    }

    /** A simulator on a free loopback port, taking this API key only. */
    public static HumaSimulator start(String apiKey) {
        try {
            return new HumaSimulator(0, apiKey);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public String apiKey() {
        return apiKey;
    }

    /** The loopback port the simulator listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Forgets all data, faults, misbehaviours, delays, recorded requests and the streamed-bytes count. */
    public void reset() {
        requests.clear();
        faults.clear();
        slowness.clear();
        maxInFlight.set(0);
        questions.clear();
        subscriptions.clear();
        visuals.clear();
        delay = Duration.ZERO;
        hostile.clear();
        hugePages.clear();
        metadataOverrides.clear();
        bytesStreamed.set(0);
        computing.clear();
        rejected.clear();
        rejectQuestions = false;
        callbacks.clear();
    }

    /** True: the questions asked from now on are "rejected" when computed (their status and webhook say so). */
    public void rejectQuestions(boolean reject) {
        this.rejectQuestions = reject;
    }

    /**
     * Calls back as Huma does once something asked through the API ({@code POST /v1/questions},
     * {@code /v1/subscription/create}, {@code /v1/histories/visual}) is computed: the webhook goes to
     * {@code bundleBaseUrl} with {@code Authorization: Bearer <token>}, 3 attempts of 5 s.
     */
    public void callbacks(String bundleBaseUrl, String token) {
        callbacks.register(bundleBaseUrl, token);
    }

    /** How long what is asked takes to compute before its webhook goes (500 ms unless set). */
    public void computeDelay(Duration computeDelay) {
        callbacks.computeDelay(computeDelay);
    }

    /** The wait between two attempts at one callback (1 s unless set). */
    public void callbackRetrySpacing(Duration spacing) {
        callbacks.retrySpacing(spacing);
    }

    /** True: the callbacks are lost on the way (each counted, none sent), as when all of Huma's attempts fail. */
    public void loseCallbacks(boolean lose) {
        callbacks.lose(lose);
    }

    /** Every attempt at a callback so far, in order. */
    public List<Callback> callbackAttempts() {
        return callbacks.attempts().stream()
                .map(a -> new Callback(a.webhook().kind().event(), a.webhook().id(), a.attempt(), a.status(), a.lost()))
                .toList();
    }

    /** A computed question whose answer has {@code records} rows ({@code {"row": n, "ticket": ...}}). */
    public void question(String ticketNumber, int records) {
        questions.put(ticketNumber, records);
    }

    /** A subscription whose data has {@code records} rows. */
    public void subscription(String subscribedId, int records) {
        subscriptions.put(subscribedId, records);
    }

    /** A produced visual, downloadable from this server at {@code /files/<conversionId>.<fileType>}. */
    public void visual(String conversionId, String fileType, byte[] content) {
        visuals.put(conversionId, new Visual(fileType, content.clone(), content.length, null));
    }

    /** A question whose every page holds {@code limit} records padded to about {@code pageBytes}, and always has a next one. */
    public void hugePages(String ticketNumber, int pageBytes) {
        hugePages.put(ticketNumber, pageBytes);
    }

    /** Puts these entries over every page's metadata of that question or subscription (a null value removes the key). */
    public void metadata(String owner, Map<String, Object> overrides) {
        metadataOverrides.put(owner, Collections.unmodifiableMap(new LinkedHashMap<>(overrides)));
    }

    /** A visual whose file is {@code bytes} long, byte i being {@link #expectedVisualByte}(i), generated as it is sent. */
    public void largeVisual(String conversionId, String fileType, long bytes) {
        visuals.put(conversionId, new Visual(fileType, null, bytes, null));
    }

    /** Byte {@code i} of a {@link #largeVisual} (and of an {@link #endlessVisual}). */
    public static byte expectedVisualByte(long i) {
        return (byte) (i * 31 + 7);
    }

    /** A visual whose download never ends (chunked, 64 kB writes) until the client goes away. */
    public void endlessVisual(String conversionId, String fileType) {
        visuals.put(conversionId, new Visual(fileType, null, -1, null));
    }

    /** A visual whose result names {@code downloadUrl} verbatim (its file here, if asked for, is a small fixed text). */
    public void visualAt(String conversionId, String fileType, String downloadUrl) {
        byte[] content = ascii("fake visual " + conversionId + "\n");
        visuals.put(conversionId, new Visual(fileType, content, content.length, Objects.requireNonNull(downloadUrl)));
    }

    /** Every call waits this long before it is answered. */
    public void delay(Duration delay) {
        this.delay = delay;
    }

    /** Answers {@code status} to the next {@code times} calls whose path matches (and page, if given). */
    public void fail(String pathRegex, Integer page, int status, int times) {
        fail(pathRegex, page, status, times, Map.of());
    }

    /** The same, with response headers (e.g. {@code Retry-After}). */
    public void fail(String pathRegex, Integer page, int status, int times, Map<String, String> headers) {
        faults.add(new Fault(Pattern.compile(pathRegex), page, status, Map.copyOf(headers), new AtomicInteger(times)));
    }

    /** Makes the next {@code times} calls whose path matches wait {@code delay} before answering. */
    public void slow(String pathRegex, Duration delay, int times) {
        slowness.add(new Slowness(Pattern.compile(pathRegex), delay, new AtomicInteger(times)));
    }

    /** The next {@code times} matching calls send their normal body chunked, one byte every {@code interval}, flushing each. */
    public void trickle(String pathRegex, Duration interval, int times) {
        hostile.add(new Hostile(Mode.TRICKLE, Pattern.compile(pathRegex), interval, 0, new AtomicInteger(times)));
    }

    /** The next {@code times} matching calls answer 200 with a JSON table that never ends, until the client goes away. */
    public void endless(String pathRegex, int times) {
        hostile.add(new Hostile(Mode.ENDLESS, Pattern.compile(pathRegex), Duration.ZERO, 0, new AtomicInteger(times)));
    }

    /** The next {@code times} matching calls announce their normal body's full length, send half and drop the connection. */
    public void cutMidStream(String pathRegex, int times) {
        hostile.add(new Hostile(Mode.CUT, Pattern.compile(pathRegex), Duration.ZERO, 0, new AtomicInteger(times)));
    }

    /** The next {@code times} matching calls answer a small gzip body that inflates to a JSON answer of {@code inflatedBytes}. */
    public void gzipBomb(String pathRegex, long inflatedBytes, int times) {
        hostile.add(new Hostile(Mode.GZIP_BOMB, Pattern.compile(pathRegex), Duration.ZERO, inflatedBytes, new AtomicInteger(times)));
    }

    /** The bytes written so far to endless, huge-page, large-visual and gzip-bomb bodies (gzip: as sent, compressed). */
    public long bytesStreamed() {
        return bytesStreamed.get();
    }

    /** Forgets the injected failures, slowness and misbehaviours (not the data): Huma has recovered. */
    public void recover() {
        faults.clear();
        slowness.clear();
        hostile.clear();
        delay = Duration.ZERO;
    }

    /** The most requests the simulator was answering at the same time. */
    public int maxConcurrentRequests() {
        return maxInFlight.get();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The requests to the API itself, without file downloads. */
    public List<Request> apiRequests() {
        return requests.stream().filter(r -> r.path().startsWith("/v1/")).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try (exchange) {
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    query(exchange.getRequestURI().getRawQuery()), exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestHeaders().getFirst("Service-access"), System.nanoTime(),
                    "POST".equals(exchange.getRequestMethod())
                            ? new String(exchange.getRequestBody().readNBytes(MAX_REQUEST_BODY), StandardCharsets.UTF_8) : "");
            if (request.path().startsWith("/_fake/")) {
                control(exchange, request);
                return;
            }
            requests.add(request);
            Duration wait = slowness.stream()
                    .filter(s -> s.path().matcher(request.path()).matches())
                    .filter(s -> s.remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0)
                    .map(Slowness::delay).findFirst().orElse(delay);
            if (!wait.isZero()) {
                Thread.sleep(wait.toMillis()); // the fault being injected: a slow Huma
            }
            Fault fault = faults.stream()
                    .filter(f -> f.path().matcher(request.path()).matches())
                    .filter(f -> f.page() == null || f.page() == request.page())
                    .filter(f -> f.remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0)
                    .findFirst().orElse(null);
            if (fault != null) {
                fault.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
                send(exchange, fault.status(), Map.of("error_message", "injected failure " + fault.status()));
                return;
            }
            Answer answer = answer(request);
            Hostile mode = hostile(request, answer);
            if (mode == null) {
                deliver(exchange, answer);
                return;
            }
            switch (mode.mode()) {
                case ENDLESS -> deliver(exchange, endlessAnswer());
                case GZIP_BOMB -> sendGzipBomb(exchange, mode.bytes());
                case TRICKLE -> sendTrickling(exchange, answer, mode.interval());
                case CUT -> sendCut(exchange, answer);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client gave up (a time-out being tested, or it left an endless body): nothing to answer;
            // closing the exchange below drops the connection
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /**
     * Fault injection by hand, for trying the bundle against the simulator from a shell:
     * {@code POST /_fake/fail?path=<regex>&status=500&times=3[&page=2][&retryAfter=5]},
     * {@code POST /_fake/delay?ms=3000}, {@code POST /_fake/recover},
     * {@code POST /_fake/trickle?path=<regex>&ms=<interval>&times=<n>} (see {@link #trickle}),
     * {@code POST /_fake/endless?path=<regex>&times=<n>} (see {@link #endless}),
     * {@code POST /_fake/cut?path=<regex>&times=<n>} (see {@link #cutMidStream}),
     * {@code POST /_fake/callbacks?url=<bundle>&token=<secret>&computeMs=<n>&lose=true|false&reject=true|false}
     * (each optional: where to call back, how long computing takes, lose the callbacks, reject the
     * questions asked); path defaults to {@code .*}, ms to 1000, times to 1.
     */
    private void control(HttpExchange exchange, Request request) throws IOException {
        Map<String, String> q = request.query();
        switch (request.path()) {
            case "/_fake/fail" -> fail(q.getOrDefault("path", ".*"), q.containsKey("page") ? Integer.valueOf(q.get("page")) : null,
                    Integer.parseInt(q.getOrDefault("status", "500")), Integer.parseInt(q.getOrDefault("times", "1")),
                    q.containsKey("retryAfter") ? Map.of("Retry-After", q.get("retryAfter")) : Map.of());
            case "/_fake/delay" -> delay(Duration.ofMillis(Long.parseLong(q.getOrDefault("ms", "0"))));
            case "/_fake/recover" -> recover();
            case "/_fake/trickle" -> trickle(q.getOrDefault("path", ".*"), Duration.ofMillis(Long.parseLong(q.getOrDefault("ms", "1000"))),
                    Integer.parseInt(q.getOrDefault("times", "1")));
            case "/_fake/endless" -> endless(q.getOrDefault("path", ".*"), Integer.parseInt(q.getOrDefault("times", "1")));
            case "/_fake/cut" -> cutMidStream(q.getOrDefault("path", ".*"), Integer.parseInt(q.getOrDefault("times", "1")));
            case "/_fake/callbacks" -> {
                if (q.containsKey("url")) {
                    callbacks(q.get("url"), q.getOrDefault("token", ""));
                }
                if (q.containsKey("computeMs")) {
                    computeDelay(Duration.ofMillis(Long.parseLong(q.get("computeMs"))));
                }
                if (q.containsKey("lose")) {
                    loseCallbacks(Boolean.parseBoolean(q.get("lose")));
                }
                if (q.containsKey("reject")) {
                    rejectQuestions(Boolean.parseBoolean(q.get("reject")));
                }
            }
            default -> {
                send(exchange, 404, Map.of("error_message", "unknown control"));
                return;
            }
        }
        send(exchange, 200, Map.of("ok", true));
    }

    /** The first misbehaviour that applies to this call, in {@link Mode} order; it uses up one of its times. */
    private Hostile hostile(Request request, Answer answer) {
        for (Mode mode : Mode.values()) {
            Hostile found = hostile.stream()
                    .filter(h -> h.mode() == mode && h.path().matcher(request.path()).matches())
                    .filter(h -> mode != Mode.CUT || answer.length() > 0) // only a body of known length can be cut
                    .filter(h -> h.remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0)
                    .findFirst().orElse(null);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** The normal answer to a call: a file (no key needed), 401 without the right key, else the API's answer. */
    private Answer answer(Request request) throws IOException {
        Matcher file = FILE.matcher(request.path());
        if (file.matches()) {
            return file(file.group(1));
        }
        if (!("Bearer " + apiKey).equals(request.authorization())) {
            return json(401, Map.of("error_message", "Invalid API key"));
        }
        return route(request);
    }

    private Answer route(Request request) throws IOException {
        Matcher m;
        if (request.path().equals(ACCESS_PERMISSIONS)) {
            return accessPermissions(request);
        } else if ("POST".equals(request.method()) && request.path().equals(ASK_QUESTION)) {
            return askQuestion(request);
        } else if ("POST".equals(request.method()) && request.path().equals(SUBSCRIBE)) {
            return subscribe(request);
        } else if ("POST".equals(request.method()) && request.path().equals(ASK_VISUAL)) {
            return askVisual(request);
        } else if ((m = QUESTION_STATUS.matcher(request.path())).matches() && computing.contains(m.group(1))) {
            return json(200, Map.of("question", "question of " + m.group(1), "question_status", "processing",
                    "ticket_number", m.group(1)));
        } else if ((m = QUESTION_STATUS.matcher(request.path())).matches() && rejected.contains(m.group(1))) {
            return json(200, Map.of("question", "question of " + m.group(1), "question_status", "rejected",
                    "ticket_number", m.group(1)));
        } else if ((m = VISUAL_STATUS.matcher(request.path())).matches() && computing.contains(m.group(1))) {
            return json(200, Map.of("status", "processing", "conversion_id", m.group(1)));
        } else if ((m = QUESTION_RESULT.matcher(request.path())).matches() && hugePages.containsKey(m.group(1))) {
            return hugePage(m.group(1), hugePages.get(m.group(1)), request);
        } else if ((m = QUESTION_RESULT.matcher(request.path())).matches() && questionRecords(m.group(1)) != null) {
            String ticket = m.group(1);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("answer", Map.of("type", "table", "data", rows(ticket, questionRecords(ticket), request)));
            body.put("question", "question of " + ticket);
            body.put("ticket_number", ticket);
            body.put("altered_question", null);
            body.put("metadata", pageMetadata(ticket, questionRecords(ticket), request));
            return json(200, body);
        } else if ((m = QUESTION_STATUS.matcher(request.path())).matches() && questionRecords(m.group(1)) != null) {
            return json(200, Map.of("question", "question of " + m.group(1), "question_status", "succeeded",
                    "ticket_number", m.group(1)));
        } else if ((m = SUBSCRIPTION_DATA.matcher(request.path())).matches() && subscriptionRecords(m.group(1)) != null) {
            String id = m.group(1);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("subscriptions", Map.of("type", "table", "data", rows(id, subscriptionRecords(id), request)));
            body.put("metadata", pageMetadata(id, subscriptionRecords(id), request));
            return json(200, body);
        } else if ((m = VISUAL_STATUS.matcher(request.path())).matches() && visual(m.group(1)) != null) {
            Visual visual = visual(m.group(1));
            return json(200, Map.of("status", "succeeded", "conversion_id", m.group(1), "file_type", visual.fileType(),
                    "visual_type", "table"));
        } else if ((m = VISUAL_RESULT.matcher(request.path())).matches() && visual(m.group(1)) != null) {
            String id = m.group(1);
            Visual visual = visual(id);
            return json(200, Map.of(
                    "download_url", visual.downloadUrl() != null ? visual.downloadUrl()
                            : baseUrl() + "/files/" + id + "." + visual.fileType() + "?signature=a%2Fb",
                    "file_type", visual.fileType(),
                    "visual_type", "table"));
        } else {
            return json(404, Map.of("error_message", "Not found"));
        }
    }

    /** {@code POST /v1/questions}: accepted with a new ticket; computed (250 records) after the compute delay, then called back. */
    private Answer askQuestion(Request request) throws IOException {
        Map<String, Object> body = requestBody(request);
        Object question = body == null ? null : body.get("question");
        if (!(question instanceof String text) || text.isBlank()) {
            return json(400, Map.of("error_message", "question is required"));
        }
        String ticket = SimulatedWebhooks.newId();
        computing.add(ticket);
        questions.put(ticket, ANY_QUESTION_RECORDS);
        if (rejectQuestions) {
            rejected.add(ticket);
        }
        callbacks.afterComputing(() -> computing.remove(ticket),
                SimulatedWebhooks.question(ticket, text, rejectQuestions ? "rejected" : "succeeded"));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("message", "Question accepted");
        answer.put("question_status", "accepted");
        answer.put("question", text);
        answer.put("ticket_number", ticket);
        return json(200, answer);
    }

    /** {@code POST /v1/subscription/create}: a new subscription of a ticket, its data updated after the compute delay. */
    private Answer subscribe(Request request) throws IOException {
        Map<String, Object> body = requestBody(request);
        Object ticket = body == null ? null : body.get("ticket_number");
        if (!(ticket instanceof String id) || !WELL_FORMED_ID.matcher(id).matches()) {
            return json(400, Map.of("error_message", "ticket_number is required"));
        }
        String subscribedId = SimulatedWebhooks.newId();
        subscriptions.put(subscribedId, ANY_SUBSCRIPTION_RECORDS);
        callbacks.afterComputing(() -> { }, SimulatedWebhooks.subscription(subscribedId));
        return json(200, Map.of("subscribed_id", subscribedId, "question", "question of " + id, "thumbnail", ""));
    }

    /** {@code POST /v1/histories/visual}: a new conversion, its file (a PDF, CSV or PPTX) produced after the compute delay. */
    private Answer askVisual(Request request) throws IOException {
        Map<String, Object> body = requestBody(request);
        Object ticket = body == null ? null : body.get("ticket_number");
        Object fileType = body == null ? null : body.get("file_type");
        if (!(ticket instanceof String id) || !WELL_FORMED_ID.matcher(id).matches()
                || !(fileType instanceof String type) || !List.of("pdf", "csv", "pptx").contains(type)) {
            return json(400, Map.of("error_message", "ticket_number and file_type (pdf, csv or pptx) are required"));
        }
        String conversionId = SimulatedWebhooks.newId();
        byte[] content = switch (type) {
            case "pdf" -> SimulatedPdf.of("Huma simulator: visual " + conversionId + " of " + id);
            case "csv" -> ascii("row,ticket\n1," + id + "\n");
            default -> ascii("fake pptx " + conversionId + "\n");
        };
        computing.add(conversionId);
        visuals.put(conversionId, new Visual(type, content, content.length, null));
        callbacks.afterComputing(() -> computing.remove(conversionId), SimulatedWebhooks.history(conversionId));
        String visualType = body.get("visual_type") instanceof String v ? v : "table";
        return json(200, Map.of("status", "accepted", "conversion_id", conversionId, "file_type", type, "visual_type", visualType));
    }

    /** The request's JSON object, or null when it is none. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> requestBody(Request request) {
        try {
            Object parsed = json.readValue(request.body(), Object.class);
            return parsed instanceof Map<?, ?> map ? (Map<String, Object>) map : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code GET /v1/sdk/access-permissions}: the key was right (checked before), so any service is allowed. */
    private Answer accessPermissions(Request request) throws IOException {
        if (!"GET".equals(request.method())) {
            return json(405, Map.of("error_message", "Method not allowed"));
        }
        if (request.serviceAccess() == null || request.serviceAccess().isBlank()) {
            return json(400, Map.of("error_message", "Service-access header missing"));
        }
        return json(200, Map.of("service", request.serviceAccess(), "access", true));
    }

    /** The records of a registered question, else of any well-formed ticket; null: 404. */
    private Integer questionRecords(String ticket) {
        return questions.getOrDefault(ticket, WELL_FORMED_ID.matcher(ticket).matches() ? ANY_QUESTION_RECORDS : null);
    }

    private Integer subscriptionRecords(String id) {
        return subscriptions.getOrDefault(id, WELL_FORMED_ID.matcher(id).matches() ? ANY_SUBSCRIPTION_RECORDS : null);
    }

    /** A registered visual, else, for any well-formed conversion id, a one-page PDF naming it; null: 404. */
    private Visual visual(String conversionId) {
        Visual visual = visuals.get(conversionId);
        if (visual == null && WELL_FORMED_ID.matcher(conversionId).matches()) {
            byte[] pdf = SimulatedPdf.of("Huma simulator: visual " + conversionId);
            visual = new Visual("pdf", pdf, pdf.length, null);
        }
        return visual;
    }

    private Answer file(String name) throws IOException {
        String unregistered = name.endsWith(".pdf") ? name.substring(0, name.length() - ".pdf".length()) : null;
        Visual visual = visuals.entrySet().stream()
                .filter(e -> name.equals(e.getKey() + "." + e.getValue().fileType()))
                .map(Map.Entry::getValue).findFirst()
                .orElse(unregistered != null && !visuals.containsKey(unregistered) ? visual(unregistered) : null);
        if (visual == null) {
            return json(404, Map.of("error_message", "No such file"));
        }
        if (visual.content() != null) {
            return new Answer(200, OCTETS, visual.content().length, out -> out.write(visual.content()));
        }
        if (visual.length() < 0) {
            return new Answer(200, OCTETS, -1, out -> forever(counted(out), VISUAL_CHUNK));
        }
        return new Answer(200, OCTETS, visual.length(), out -> repeat(counted(out), VISUAL_CHUNK, visual.length()));
    }

    /**
     * A page of a huge question: {@code limit} records numbered as normal pages number them, each padded so
     * the page is about {@code pageBytes} in all, written record by record (only the small tail is built whole).
     */
    private Answer hugePage(String ticket, int pageBytes, Request request) throws IOException {
        int limit = Integer.parseInt(request.query().getOrDefault("limit", "100"));
        int page = Math.max(1, request.page());
        long first = (long) (page - 1) * limit + 1;
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("page", page);
        metadata.put("limit", limit);
        metadata.put("page_count", 1_000_000);
        metadata.put("total_count", 1_000_000L * limit);
        metadata.put("has_next_page", true);
        override(ticket, metadata);
        byte[] tail = ("]},\"question\":" + json.writeValueAsString("question of " + ticket)
                + ",\"ticket_number\":" + json.writeValueAsString(ticket)
                + ",\"altered_question\":null,\"metadata\":" + json.writeValueAsString(metadata) + "}")
                .getBytes(StandardCharsets.UTF_8);
        String owner = json.writeValueAsString(ticket);
        long perRecord = (pageBytes - ANSWER_HEAD.length - tail.length) / Math.max(1, limit); // comma included
        Body body = out -> {
            out.write(ANSWER_HEAD);
            for (int i = 0; i < limit; i++) {
                byte[] record = ((i > 0 ? "," : "") + "{\"row\":" + (first + i) + ",\"owner\":" + owner
                        + ",\"amount\":1.10,\"pad\":\"").getBytes(StandardCharsets.UTF_8);
                out.write(record);
                repeat(out, PAD, Math.max(0, perRecord - record.length - 2));
                out.write('"');
                out.write('}');
            }
            out.write(tail);
        };
        CountingStream length = new CountingStream(OutputStream.nullOutputStream(), new AtomicLong());
        body.writeTo(length); // a dry run, to announce the exact Content-Length
        return new Answer(200, JSON, length.count.get(), out -> body.writeTo(counted(out)));
    }

    /** The start of a table answer, then 1 kB records forever, in 64 kB writes. */
    private Answer endlessAnswer() {
        return new Answer(200, JSON, -1, out -> {
            OutputStream counted = counted(out);
            counted.write(ANSWER_HEAD);
            forever(counted, ENDLESS_CHUNK);
        });
    }

    /** A gzip body, compressed as it is sent, that inflates to a table answer of {@code inflatedBytes} (at least its frame). */
    private void sendGzipBomb(HttpExchange exchange, long inflatedBytes) throws IOException {
        exchange.getResponseHeaders().set("Content-Encoding", "gzip");
        deliver(exchange, new Answer(200, JSON, -1, out -> {
            try (GZIPOutputStream gzip = new GZIPOutputStream(counted(out), CHUNK)) {
                gzip.write(BOMB_HEAD);
                repeat(gzip, SPACES, Math.max(0, inflatedBytes - BOMB_HEAD.length - BOMB_TAIL.length));
                gzip.write(BOMB_TAIL);
            }
        }));
    }

    /** Sends the headers at once (chunked), then the answer's body one byte every {@code interval}. */
    private static void sendTrickling(HttpExchange exchange, Answer answer, Duration interval) throws IOException {
        deliver(exchange, new Answer(answer.status(), answer.contentType(), -1,
                out -> answer.body().writeTo(new TrickleStream(out, interval))));
    }

    /** Announces the whole body's Content-Length, sends its first half, then drops the connection. */
    private static void sendCut(HttpExchange exchange, Answer answer) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", answer.contentType());
        exchange.sendResponseHeaders(answer.status(), answer.length());
        OutputStream out = exchange.getResponseBody();
        try {
            answer.body().writeTo(new HalfStream(out, answer.length() / 2));
        } catch (HalfStream.Full expected) {
            // the first half is out
        }
        out.flush();
        // Closing the exchange with bytes missing makes com.sun.net.httpserver close the connection. Closing the
        // stream instead would only throw "insufficient bytes written to stream" and leave the connection open,
        // the client waiting for the rest forever.
        exchange.close();
    }

    /** Sends an answer: with its Content-Length when known, else chunked. */
    private static void deliver(HttpExchange exchange, Answer answer) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", answer.contentType());
        exchange.sendResponseHeaders(answer.status(), Math.max(0, answer.length()));
        OutputStream out = exchange.getResponseBody();
        answer.body().writeTo(out);
        out.close(); // only when all is written: see sendCut
    }

    private Answer json(int status, Object body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        return new Answer(status, JSON, bytes.length, out -> out.write(bytes));
    }

    private void send(HttpExchange exchange, int status, Object body) throws IOException {
        deliver(exchange, json(status, body));
    }

    private static List<Map<String, Object>> rows(String owner, int total, Request request) {
        int limit = Integer.parseInt(request.query().getOrDefault("limit", "100"));
        int page = Math.max(1, request.page());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int row = (page - 1) * limit + 1; row <= Math.min(total, page * limit); row++) {
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("row", row);
            record.put("owner", owner);
            record.put("amount", new java.math.BigDecimal("1.10"));
            rows.add(record);
        }
        return rows;
    }

    private Map<String, Object> pageMetadata(String owner, int total, Request request) {
        int limit = Integer.parseInt(request.query().getOrDefault("limit", "100"));
        int page = Math.max(1, request.page());
        int pageCount = Math.max(1, (total + limit - 1) / limit);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("page", page);
        metadata.put("limit", limit);
        metadata.put("page_count", pageCount);
        metadata.put("total_count", total);
        metadata.put("has_next_page", page < pageCount);
        override(owner, metadata);
        return metadata;
    }

    /** Puts the {@link #metadata} overrides for this owner over computed metadata; a null value removes the key. */
    private void override(String owner, Map<String, Object> metadata) {
        metadataOverrides.getOrDefault(owner, Map.of()).forEach((key, value) -> {
            if (value == null) {
                metadata.remove(key);
            } else {
                metadata.put(key, value);
            }
        });
    }

    /** Counts what goes through into {@link #bytesStreamed}. */
    private OutputStream counted(OutputStream out) {
        return new CountingStream(out, bytesStreamed);
    }

    /** Writes {@code bytes} bytes, {@code chunk} over and over from its start. */
    private static void repeat(OutputStream out, byte[] chunk, long bytes) throws IOException {
        for (long left = bytes; left > 0; left -= chunk.length) {
            out.write(chunk, 0, (int) Math.min(left, chunk.length));
        }
    }

    /** Writes {@code chunk} over and over, until writing fails (the client went away, or the server stops). */
    private static void forever(OutputStream out, byte[] chunk) throws IOException {
        while (true) {
            out.write(chunk);
        }
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** Passes bytes on, adding their number to a counter. */
    private static final class CountingStream extends FilterOutputStream {
        private final AtomicLong count;

        CountingStream(OutputStream out, AtomicLong count) {
            super(out);
            this.count = count;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count.incrementAndGet();
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count.addAndGet(len);
        }
    }

    /** Passes bytes on one at a time, each after {@code interval} and flushed at once. */
    private static final class TrickleStream extends OutputStream {
        private final OutputStream out;
        private final Duration interval;

        TrickleStream(OutputStream out, Duration interval) {
            this.out = out;
            this.interval = interval;
        }

        @Override
        public void write(int b) throws IOException {
            try {
                TimeUnit.NANOSECONDS.sleep(interval.toNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the server is stopping
                throw new InterruptedIOException("trickle interrupted");
            }
            out.write(b);
            out.flush();
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int i = 0; i < len; i++) {
                write(b[off + i]);
            }
        }
    }

    /** Passes the first {@code limit} bytes on, then stops the body's writer by throwing {@link Full}. */
    private static final class HalfStream extends OutputStream {
        private final OutputStream out;
        private long left;

        /** Thrown when the limit is reached. */
        static final class Full extends IOException {
        }

        HalfStream(OutputStream out, long limit) {
            this.out = out;
            this.left = limit;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int passed = (int) Math.min(len, left);
            out.write(b, off, passed);
            left -= passed;
            if (passed < len) {
                throw new Full();
            }
        }
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> query = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            String[] kv = pair.split("=", 2);
            query.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return query;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        callbacks.close();
    }
}
