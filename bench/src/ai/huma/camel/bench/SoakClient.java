package ai.huma.camel.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;

/**
 * The load of the soak (bench/soak.sh), sent as Huma sends webhooks: {@code --rate} {@code succeeded}
 * Questions/Computed webhooks a second for {@code --seconds}, each for a new ticket of
 * {@link SoakHumaApi}. A webhook that is not answered 200 (another status, a refused or reset
 * connection, no answer within 5 s) is tried again, up to 3 attempts in all, 1 s and then 2 s apart
 * (plus up to 0.5 s); after the third, the ticket is given up ("refused"). Of the webhooks answered
 * 200, a share ({@code --repeat}, 0.05) is sent once more 1 to 15 s later, as Huma repeats a
 * delivery whose answer it did not see. JDK HTTP client, HTTP/1.1, keep-alive.
 * <p>
 * With several {@code --url} (repeated, or comma-separated: instances of the bundle behind one
 * address), each request goes to the next one in turn, as a round-robin load balancer sends it; a
 * connection refused by one (an instance killed or not yet listening) is tried on the next at once,
 * as a load balancer does when a backend refuses the connection, and only when every one refuses is
 * the attempt's answer {@code refused}. A request that reached an instance is never sent to another
 * (a POST the instance may have taken): its answer, a reset or a time-out included, is the attempt's.
 * Huma's 3 attempts stay as they are.
 * <p>
 * Writes every ticket to {@code --out} (tab-separated: n, ticket, acked 0/1, attempts, the answer of
 * each attempt, the repeat's answer or -, the result file the bundle should write, its records, when
 * the 200 came in epoch ms or 0, the {@code --url} that answered the 200, 1 for the first, or 0), a
 * progress line every 10 s, and {@code key=value} lines at the end. The callback token comes from the
 * environment ({@code SOAK_CALLBACK_AUTH}), never from the command line.
 */
public final class SoakClient {

    private static final int ATTEMPTS = 3;
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(5);
    private static final long[] SPACING_MS = {1000, 2000};
    private static final long SPACING_JITTER_MS = 500;

    /** One webhook and what became of it. */
    private static final class Delivery {
        final long n;
        final String ticket;
        final Webhook webhook;
        final List<String> answers = new CopyOnWriteArrayList<>();
        volatile boolean acked;
        /** When the 200 came, epoch ms. */
        volatile long ackedAt;
        volatile String repeat = "-";
        /** The instance (1 for the first --url) that answered the 200, or 0. */
        volatile int ackedBy;

        Delivery(long n, String ticket, Webhook webhook) {
            this.n = n;
            this.ticket = ticket;
            this.webhook = webhook;
        }
    }

    private final Map<String, String> options = new HashMap<>();
    private final Map<Long, Delivery> deliveries = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> repeatAnswers = new ConcurrentHashMap<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger acked = new AtomicInteger();
    private final AtomicInteger givenUp = new AtomicInteger();
    private final AtomicInteger repeats = new AtomicInteger();
    /** Requests refused by one instance and sent to the next (several --url only). */
    private final AtomicInteger failovers = new AtomicInteger();
    private final AtomicInteger nextEdge = new AtomicInteger();
    private final List<String> urls = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "soak-timer");
        thread.setDaemon(true);
        return thread;
    });
    private HttpClient client;
    private List<URI> webhookUris;
    private String token;
    private double repeatShare;
    private long endNanos;

    public static void main(String[] args) throws Exception {
        SoakClient soak = new SoakClient();
        for (int i = 0; i + 1 < args.length; i += 2) {
            String name = args[i].replaceFirst("^--", "");
            if (name.equals("url")) {
                for (String url : args[i + 1].split(",")) {
                    if (!url.isBlank()) {
                        soak.urls.add(url.strip());
                    }
                }
            } else {
                soak.options.put(name, args[i + 1]);
            }
        }
        soak.run();
    }

    private String opt(String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }

    private void run() throws Exception {
        token = System.getenv("SOAK_CALLBACK_AUTH");
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("SOAK_CALLBACK_AUTH is not set");
        }
        double rate = Double.parseDouble(opt("rate"));
        long seconds = Long.parseLong(opt("seconds"));
        long count = Long.parseLong(opt("count"));
        String prefix = opt("prefix");
        repeatShare = Double.parseDouble(options.getOrDefault("repeat", "0.05"));
        Path out = Path.of(opt("out"));
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(ATTEMPT_TIMEOUT).build();
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("--url is required");
        }
        webhookUris = urls.stream().map(url -> URI.create(url.replaceFirst("/$", "") + SimulatedWebhooks.Kind.QUESTION.path()))
                .toList();

        long start = System.nanoTime();
        endNanos = start + TimeUnit.SECONDS.toNanos(seconds);
        long intervalNanos = (long) (1e9 / rate);
        long nextProgress = start + TimeUnit.SECONDS.toNanos(10);
        long n = 0;
        System.out.println(now() + " sending " + rate + " webhooks/s for " + seconds + " s"
                + (urls.size() > 1 ? " to " + urls.size() + " instances in turn" : ""));
        while (n < count) {
            long due = start + n * intervalNanos;
            if (due >= endNanos) {
                break;
            }
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            String ticket = SoakHumaApi.ticket(prefix, n);
            Delivery delivery = new Delivery(n, ticket, SimulatedWebhooks.question(ticket, "soak " + ticket));
            deliveries.put(n, delivery);
            pending.incrementAndGet();
            attempt(delivery, 1);
            n++;
            if (System.nanoTime() >= nextProgress) {
                progress(n);
                nextProgress += TimeUnit.SECONDS.toNanos(10);
            }
        }
        System.out.println(now() + " stopped sending after " + n + " webhooks; waiting for the attempts still running");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (pending.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        progress(n);
        write(out, n);
        System.out.println("sent=" + n);
        System.out.println("acked=" + acked.get());
        System.out.println("refused=" + givenUp.get());
        System.out.println("unfinished=" + pending.get());
        System.out.println("attempts=" + answers.values().stream().mapToInt(AtomicInteger::get).sum());
        System.out.println("attempt_answers=" + new TreeMap<>(answers));
        System.out.println("repeats=" + repeats.get());
        System.out.println("repeat_answers=" + new TreeMap<>(repeatAnswers));
        System.out.println("instances=" + urls.size());
        System.out.println("failovers=" + failovers.get());
        System.out.println("acked_by=" + ackedBy());
        System.exit(0);
    }

    /** Attempt {@code number} of a delivery; the next one is scheduled from its answer. */
    private void attempt(Delivery delivery, int number) {
        send(delivery.webhook).whenComplete((sent, failure) -> {
            String answer = sent.answer();
            delivery.answers.add(answer);
            answers.computeIfAbsent(answer, k -> new AtomicInteger()).incrementAndGet();
            if (answer.equals("200")) {
                delivery.ackedBy = sent.edge() + 1;
                delivery.ackedAt = System.currentTimeMillis();
                delivery.acked = true;
                acked.incrementAndGet();
                maybeRepeat(delivery);
                pending.decrementAndGet();
            } else if (number < ATTEMPTS) {
                long spacing = SPACING_MS[number - 1] + ThreadLocalRandom.current().nextLong(SPACING_JITTER_MS + 1);
                timer.schedule(() -> attempt(delivery, number + 1), spacing, TimeUnit.MILLISECONDS);
            } else {
                givenUp.incrementAndGet();
                pending.decrementAndGet();
            }
        });
    }

    /** Huma's repeat of a delivery already answered 200, within the sending window only. */
    private void maybeRepeat(Delivery delivery) {
        if (ThreadLocalRandom.current().nextDouble() >= repeatShare) {
            return;
        }
        long delayMs = 1000 + ThreadLocalRandom.current().nextLong(14_001);
        if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs) >= endNanos) {
            return;
        }
        pending.incrementAndGet();
        repeats.incrementAndGet();
        timer.schedule(() -> send(delivery.webhook).whenComplete((sent, failure) -> {
            String answer = sent.answer();
            delivery.repeat = answer;
            repeatAnswers.computeIfAbsent(answer, k -> new AtomicInteger()).incrementAndGet();
            pending.decrementAndGet();
        }), delayMs, TimeUnit.MILLISECONDS);
    }

    /** What one request came to: its status or what went wrong, and the instance (0-based) that gave it. */
    private record Sent(String answer, int edge) {
    }

    /**
     * One POST, to the next instance in turn; a refused connection is tried on the following ones, each
     * once. Completes with the status, or with what went wrong (refused, timeout, io).
     */
    private CompletableFuture<Sent> send(Webhook webhook) {
        int first = Math.floorMod(nextEdge.getAndIncrement(), webhookUris.size());
        return send(webhook, first, 0);
    }

    private CompletableFuture<Sent> send(Webhook webhook, int first, int tried) {
        int edge = (first + tried) % webhookUris.size();
        HttpRequest request = HttpRequest.newBuilder(webhookUris.get(edge))
                .timeout(ATTEMPT_TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(webhook.body()))
                .build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .handle((response, failure) -> new Sent(response != null ? String.valueOf(response.statusCode()) : kind(failure), edge))
                .thenCompose(sent -> {
                    if (sent.answer().equals("refused") && tried + 1 < webhookUris.size()) {
                        failovers.incrementAndGet();
                        return send(webhook, first, tried + 1);
                    }
                    return CompletableFuture.completedFuture(sent);
                });
    }

    /** Acked webhooks per instance, {1=..., 2=...}. */
    private Map<Integer, Integer> ackedBy() {
        Map<Integer, Integer> by = new TreeMap<>();
        for (int i = 1; i <= webhookUris.size(); i++) {
            by.put(i, 0);
        }
        deliveries.values().stream().filter(d -> d.acked).forEach(d -> by.merge(d.ackedBy, 1, Integer::sum));
        return by;
    }

    private static String kind(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof HttpConnectTimeoutException || cause instanceof HttpTimeoutException) {
            return "timeout";
        }
        if (cause instanceof ConnectException) {
            return "refused";
        }
        if (cause instanceof IOException) {
            return "io"; // reset, or closed before the answer (the bundle killed mid-request)
        }
        return cause.getClass().getSimpleName();
    }

    private void progress(long sent) {
        System.out.println(now() + " sent " + sent + ", acked " + acked.get() + ", refused " + givenUp.get()
                + ", in flight " + pending.get() + ", answers " + new TreeMap<>(answers));
        System.out.flush();
    }

    private void write(Path out, long sent) throws IOException {
        try (PrintWriter writer = new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8))) {
            writer.println("n\tticket\tacked\tattempts\tanswers\trepeat\tfile\trecords\tacked_at_ms\tacked_by");
            for (long n = 0; n < sent; n++) {
                Delivery d = deliveries.get(n);
                writer.println(d.n + "\t" + d.ticket + "\t" + (d.acked ? 1 : 0) + "\t" + d.answers.size() + "\t"
                        + String.join(",", d.answers) + "\t" + d.repeat + "\t" + d.webhook.resultFiles().get(0) + "\t"
                        + SoakHumaApi.records(n) + "\t" + d.ackedAt + "\t" + d.ackedBy);
            }
        }
    }

    private static String now() {
        return LocalTime.now().truncatedTo(ChronoUnit.MILLIS).toString();
    }
}
