package ai.huma.camel.support;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import ai.huma.camel.runtime.HumaCamelMain;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.awaitility.Awaitility.await;

/**
 * The bundle in a JVM of its own, started the way a user does ({@link HumaCamelMain}) in a working
 * directory holding copies of application.properties and routes/, so that a test can kill it
 * (SIGKILL), stop it (SIGTERM) and start it again on the same folders. Its console goes to a file
 * per start, kept under target/test-work for the secret scan. {@link #ofJar} runs the built jar
 * instead, as the README does, in an empty working directory (its built-in settings and routes).
 * <p>
 * The one way the tests start a bundle or the jar in a process: what differs between them is set
 * before the start ({@link #arguments}, {@link #jvmOptions}, {@link #environment},
 * {@link #callbackToken}). Its webhooks are sent as Huma sends them: one attempt
 * ({@link #webhook(Webhook)}), or a delivery of up to Huma's three attempts ({@link #deliver}).
 */
public final class BundleProcess implements AutoCloseable {

    /** The JVM options of the README's launch command and of deploy/huma-camel.service. */
    public static final List<String> JVM_OPTIONS = List.of("-Xms64m", "-Xmx192m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError");
    /**
     * The JVM options of a bundle started from the test class path: a bundle under test needs no peak
     * speed, so the quick compiler only and the serial collector, to spare the CPU the tests share.
     */
    public static final List<String> TEST_JVM_OPTIONS = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
    /** The jar `mvn package` builds (failsafe tests run after it). */
    public static final Path JAR = Path.of("target", "huma-camel.jar").toAbsolutePath();

    /** Huma's attempts at one delivery: the first and two more after a 503. */
    public static final int HUMA_ATTEMPTS = 3;
    /**
     * The longest wait before Huma's next attempt here: a 503's Retry-After (the bundle says 30 s) is
     * honoured only up to this, so that a test waits for room rather than for Huma's schedule.
     */
    public static final Duration LONGEST_RETRY_WAIT = Duration.ofSeconds(2);

    /** A worker's line for a result it wrote: {@code Questions/Computed <ticket>: <n> page(s)}. */
    private static final Pattern WRITTEN = Pattern.compile("Questions/Computed (\\S+): \\d+ page\\(s\\)");
    /** application.properties as the project ships it, the file each bundle's folder gets a copy of. */
    private static final Properties SHIPPED = shippedProperties();
    /** What the bundle prints when a port is taken, naming the variable that sets it. */
    private static final Pattern TAKEN = Pattern.compile(
            "did not start: Address already in use: another process listens on port \\d+ of \\S+ \\([\\w.]+, (HUMA_PORT|HUMA_MANAGEMENT_PORT)\\)");
    /** Starts of {@link #start()} when the ports it chose were taken by another test in between. */
    private static final int PORT_ATTEMPTS = 3;
    private static final Logger LOG = LoggerFactory.getLogger(BundleProcess.class);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Path workDir;
    private final boolean jar;
    private List<String> arguments = List.of();
    private List<String> jvmOptions = List.of();
    private String callbackToken;
    private final Map<String, String> environment = new HashMap<>();
    private int port = TestPorts.free();
    private int managementPort = TestPorts.free();
    private Process process;
    private int starts;

    /** A new working directory under target/test-work, named after the test. */
    public BundleProcess(String name, Map<String, String> environment) throws IOException {
        this(name, environment, false);
        Files.copy(Path.of("application.properties"), workDir.resolve("application.properties"));
        copyRoutes(workDir.resolve("routes"));
    }

    private BundleProcess(String name, Map<String, String> environment, boolean jar) throws IOException {
        this.workDir = Files.createTempDirectory(Files.createDirectories(HumaRoutesTestSupport.TEST_WORK), name + "-");
        this.jar = jar;
        this.environment.putAll(environment);
        this.environment.put("HUMA_PORT", Integer.toString(port));
        this.environment.put("HUMA_MANAGEMENT_PORT", Integer.toString(managementPort));
        this.environment.putIfAbsent("HUMA_HTTP_WARM_UP_REQUESTS", "1");
        this.environment.putIfAbsent("HUMA_QUEUE_POLL_TIMEOUT", "50");
    }

    /** The built jar, {@code java <JVM_OPTIONS> -jar target/huma-camel.jar}, in an empty working directory. */
    public static BundleProcess ofJar(String name, Map<String, String> environment) throws IOException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: the jar tests run after `mvn package` (failsafe)");
        }
        return new BundleProcess(name, environment, true);
    }

    /** The command-line arguments of the next start ({@code demo}, {@code --help}, ...). */
    public BundleProcess arguments(String... arguments) {
        this.arguments = List.of(arguments);
        return this;
    }

    /**
     * JVM options of the next start, before those of the launch ({@link #JVM_OPTIONS} for the jar,
     * {@link #TEST_JVM_OPTIONS} otherwise): {@code -Xshare:on -XX:SharedArchiveFile=...}, as the README has it.
     */
    public BundleProcess jvmOptions(String... options) {
        this.jvmOptions = List.of(options);
        return this;
    }

    /**
     * The secret its webhooks carry ({@code Authorization: Bearer <token>}), for a bundle that reads
     * it from a .env file; by default {@code API_CALLBACK_AUTH} of its environment.
     */
    public BundleProcess callbackToken(String token) {
        this.callbackToken = token;
        return this;
    }

    /** Copies the project's routes/ into {@code folder}. */
    public static void copyRoutes(Path folder) throws IOException {
        Files.createDirectories(folder);
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path route : files.sorted(Comparator.naturalOrder()).toList()) {
                Files.copy(route, folder.resolve(route.getFileName()));
            }
        }
    }

    /** The environment of the next start: the test's, HUMA_PORT, HUMA_MANAGEMENT_PORT and the warm-up. */
    public Map<String, String> environment() {
        return environment;
    }

    public Path workDir() {
        return workDir;
    }

    public int port() {
        return port;
    }

    public int managementPort() {
        return managementPort;
    }

    /**
     * Starts the bundle (again) and waits until it says it is ready. The ports it was given are free
     * ones found by the test, and another test's server, broker or client may take one of them before
     * the bundle listens on it: then the bundle says which port was taken and exits, and it is started
     * again with a new one, at most {@value #PORT_ATTEMPTS} times (never for a port the test set).
     */
    public BundleProcess start() throws IOException {
        for (int attempt = 1; ; attempt++) {
            launch();
            try {
                return awaitReady();
            } catch (BundleExitedException e) {
                if (attempt == PORT_ATTEMPTS || !newPortForTheTakenOne()) {
                    throw e;
                }
                LOG.warn("{}: a port was taken before the bundle listened on it; starting it on a new one", workDir.getFileName());
            }
        }
    }

    /** Waits until the launched bundle says it is ready ({@code GET /} answers 200); fails at once if it exits. */
    public BundleProcess awaitReady() {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(UncheckedIOException.class).until(() -> {
            if (!process.isAlive()) {
                throw new BundleExitedException(output());
            }
            return get("/").statusCode() == 200;
        });
        return this;
    }

    /**
     * A new free port for the one the last start found taken, when this class chose it; false when the
     * start failed otherwise, or on a port the test set.
     */
    private boolean newPortForTheTakenOne() throws IOException {
        Path console = workDir.resolve("console-" + starts + ".log");
        Matcher taken = TAKEN.matcher(Files.exists(console) ? Files.readString(console, StandardCharsets.UTF_8) : "");
        if (!taken.find()) {
            return false;
        }
        String variable = taken.group(1);
        boolean webhooks = variable.equals("HUMA_PORT");
        if (!environment.get(variable).equals(Integer.toString(webhooks ? port : managementPort))) {
            return false;
        }
        int fresh = TestPorts.free();
        if (webhooks) {
            port = fresh;
        } else {
            managementPort = fresh;
        }
        environment.put(variable, Integer.toString(fresh));
        return true;
    }

    /** The bundle exited while it was awaited; the message holds its consoles. */
    public static final class BundleExitedException extends IllegalStateException {

        private static final long serialVersionUID = 1L;

        BundleExitedException(String output) {
            super("the bundle exited: " + output);
        }
    }

    /** Starts the JVM and returns at once (the command may exit by itself: {@link #awaitExit}). */
    public BundleProcess launch() throws IOException {
        starts++;
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        if (jar) {
            command.addAll(JVM_OPTIONS);
            command.add("-jar");
            command.add(JAR.toString());
        } else {
            command.addAll(TEST_JVM_OPTIONS);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), HumaCamelMain.class.getName()));
        }
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("console-" + starts + ".log").toFile());
        // only what the test sets: the bundle's settings, and OTEL_* (traces) of a developer's shell
        builder.environment().keySet().removeIf(key -> key.startsWith("API_") || key.startsWith("HUMA_") || key.startsWith("OTEL_"));
        builder.environment().putAll(environment);
        process = builder.start();
        return this;
    }

    /** Waits for a JVM that ends by itself; its exit code. */
    public int awaitExit(Duration atMost) throws InterruptedException {
        if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("the bundle did not exit within " + atMost);
        }
        return process.exitValue();
    }

    /** kill -9: no drain, no shutdown hook. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, and the exit code once it has stopped. */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the bundle did not stop within 60 s");
        }
        return process.exitValue();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** One attempt at a webhook, as Huma makes it: JSON, {@code Authorization: Bearer <token>}. */
    public HttpResponse<String> webhook(Webhook webhook) {
        String token = callbackToken != null ? callbackToken : environment.get("API_CALLBACK_AUTH");
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + webhook.kind().path()))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(webhook.body())).build());
    }

    /**
     * A delivery as Huma makes it: up to {@value #HUMA_ATTEMPTS} attempts, the next one only after a
     * 503 (the bundle could not queue the event at once, e.g. while Kafka's producer fetches a new
     * topic's metadata), once its Retry-After has passed or {@link #LONGEST_RETRY_WAIT}, whichever is
     * shorter. For a test whose point is that the event is accepted, not that its first attempt is.
     *
     * @return the answer to the last attempt
     */
    public HttpResponse<String> deliver(Webhook webhook) {
        List<HttpResponse<String>> answers = new ArrayList<>();
        await().pollInSameThread()
                .pollDelay(Duration.ZERO)
                .pollInterval((poll, previous) -> retryWait(answers.get(answers.size() - 1)))
                .atMost(Duration.ofSeconds(60))
                .until(() -> {
                    answers.add(webhook(webhook));
                    return answers.get(answers.size() - 1).statusCode() != 503 || answers.size() == HUMA_ATTEMPTS;
                });
        return answers.get(answers.size() - 1);
    }

    /** A 503's Retry-After (seconds), at most {@link #LONGEST_RETRY_WAIT}. */
    private static Duration retryWait(HttpResponse<String> refused) {
        try {
            Duration asked = Duration.ofSeconds(Long.parseLong(refused.headers().firstValue("Retry-After").orElse("").strip()));
            return asked.compareTo(LONGEST_RETRY_WAIT) < 0 ? asked : LONGEST_RETRY_WAIT;
        } catch (NumberFormatException e) {
            return LONGEST_RETRY_WAIT;
        }
    }

    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).GET().build());
    }

    public HttpResponse<String> management(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                .timeout(Duration.ofSeconds(10)).GET().build());
    }

    /** A setting as application.properties ships it (the copy in the bundle's folder, unless a test changed it). */
    public static String shipped(String key) {
        String value = SHIPPED.getProperty(key);
        if (value == null) {
            throw new IllegalArgumentException(key + " is not in application.properties");
        }
        return value.strip();
    }

    /**
     * How many times each question's result was written, over every start, from the workers' log
     * lines, once each of {@code tickets} has its line: a worker logs a result just after its file is
     * in place, so the line of the last one may follow the file by a moment.
     */
    public Map<String, Integer> awaitWrites(Collection<String> tickets) {
        await().atMost(Duration.ofSeconds(10)).until(() -> writes().keySet().containsAll(tickets));
        return writes();
    }

    private Map<String, Integer> writes() {
        Map<String, Integer> writes = new HashMap<>();
        Matcher written;
        try {
            written = WRITTEN.matcher(output());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        while (written.find()) {
            writes.merge(written.group(1), 1, Integer::sum);
        }
        return writes;
    }

    /** The consoles of every start, one after the other. */
    public String output() throws IOException {
        StringBuilder all = new StringBuilder();
        for (int i = 1; i <= starts; i++) {
            Path console = workDir.resolve("console-" + i + ".log");
            if (Files.exists(console)) {
                all.append(Files.readString(console, StandardCharsets.UTF_8));
            }
        }
        return all.toString();
    }

    /** The complete files in a folder of the working directory (not the .part ones). */
    public List<String> files(String folder) {
        Path dir = workDir.resolve(folder);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(name -> !name.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends a request; a refused connection to a bundle that has exited fails with its consoles. */
    private HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            if (process != null && !process.isAlive()) {
                throw new BundleExitedException(outputOrNone());
            }
            throw new UncheckedIOException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String outputOrNone() {
        try {
            return output();
        } catch (IOException e) {
            return "(its consoles cannot be read: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static Properties shippedProperties() {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(Path.of("application.properties"))) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }
}
