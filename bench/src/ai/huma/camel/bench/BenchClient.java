package ai.huma.camel.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bench's own HTTP client, for what wrk cannot measure: per-request latencies of a burst right
 * after start-up, and the end-to-end run. JDK only (java.net.http, HTTP/1.1). Prints {@code key=value}
 * lines that bench/run.sh reads; times are epoch microseconds ({@code *_us}) or durations in ms.
 * <ul>
 * <li>{@code startup}: warms itself up (against {@code --warm-url}), prints {@code ARMED}, then polls
 * {@code GET /} every 5 ms until it answers 200 with {@code --ready-body}, and {@code POST} the
 * webhook every 10 ms until a 200; the moment ready is seen, {@code --burst} webhooks from
 * {@code --senders} threads (fresh connections) are sent, each one timed.</li>
 * <li>{@code e2e}: sends {@code --count} {@code succeeded} webhooks for BenchHumaApi's questions from
 * {@code --senders} threads, then waits until each result file is in {@code --output} (they appear
 * under their final name only when complete) and checks each holds {@code --records} records.</li>
 * </ul>
 */
public final class BenchClient {

    private static final String QUESTION_PATH = "/api/webhook-question-answered";

    private final Map<String, String> options = new HashMap<>();
    private HttpClient client;

    public static void main(String[] args) throws Exception {
        BenchClient bench = new BenchClient();
        for (int i = 1; i + 1 < args.length; i += 2) {
            bench.options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        bench.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        switch (args.length > 0 ? args[0] : "") {
            case "startup" -> bench.startup();
            case "e2e" -> bench.endToEnd();
            default -> {
                System.err.println("usage: BenchClient startup|e2e --url http://host:port --token T [options]");
                System.exit(2);
            }
        }
    }

    private String opt(String name, String fallback) {
        String value = options.getOrDefault(name, fallback);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }

    private int intOpt(String name, int fallback) {
        return Integer.parseInt(opt(name, String.valueOf(fallback)));
    }

    // ------------------------------------------------------------------------------------------
    // startup
    // ------------------------------------------------------------------------------------------

    private void startup() throws Exception {
        String url = opt("url", null);
        String readyBody = opt("ready-body", "hello!");
        int burst = intOpt("burst", 40);
        int senders = intOpt("senders", 20);
        long deadline = System.nanoTime() + Duration.ofSeconds(intOpt("timeout", 180)).toNanos();

        // our own JVM and HttpClient are cold too: warm them up where it costs the bundle nothing
        warmUp(opt("warm-url", null), senders, 400);

        String[] tickets = new String[burst];
        for (int i = 0; i < burst; i++) {
            tickets[i] = String.format("b0057%019x", i + ((long) ProcessHandle.current().pid() << 24));
        }
        long[] latencies = new long[burst];
        int[] statuses = new int[burst];
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(senders);
        AtomicLong firstWebhook200 = new AtomicLong();
        for (int s = 0; s < senders; s++) {
            int sender = s;
            Thread thread = new Thread(() -> {
                try {
                    go.await();
                    for (int i = sender; i < burst; i += senders) {
                        long start = System.nanoTime();
                        int status = post(url + QUESTION_PATH, rejected(tickets[i]));
                        latencies[i] = System.nanoTime() - start;
                        statuses[i] = status;
                        if (status == 200) {
                            firstWebhook200.compareAndSet(0, epochMicros());
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            }, "burst-" + s);
            thread.setDaemon(true);
            thread.start();
        }

        System.out.println("ARMED");
        System.out.flush();

        // the webhook path, polled on its own: when does the first webhook get its 200?
        AtomicInteger webhookPolls = new AtomicInteger();
        Map<Integer, Integer> webhookPollStatuses = new ConcurrentHashMap<>();
        Thread webhookPoller = new Thread(() -> {
            int n = 0;
            while (firstWebhook200.get() == 0 && System.nanoTime() < deadline) {
                int status = post(url + QUESTION_PATH, rejected(String.format("90115%019x", n++)));
                webhookPolls.incrementAndGet();
                webhookPollStatuses.merge(status, 1, Integer::sum);
                if (status == 200) {
                    firstWebhook200.compareAndSet(0, epochMicros());
                    break;
                }
                sleep(10);
            }
        }, "webhook-poller");
        webhookPoller.setDaemon(true);
        webhookPoller.start();

        long firstAnswer = 0;
        long ready = 0;
        Map<Integer, Integer> readyPollStatuses = new TreeMap<>();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = get(url + "/");
            int status = response == null ? -1 : response.statusCode();
            readyPollStatuses.merge(status, 1, Integer::sum);
            if (response != null && firstAnswer == 0) {
                firstAnswer = epochMicros();
            }
            if (status == 200 && readyBody.equals(response.body().trim())) {
                ready = epochMicros();
                go.countDown();
                break;
            }
            sleep(5);
        }
        if (ready == 0) {
            System.out.println("error=not ready in time, GET / answered " + readyPollStatuses + " (-1: no connection)");
            System.exit(1);
        }
        done.await();
        long burstEnd = epochMicros();
        webhookPoller.join(Duration.ofSeconds(30).toMillis());

        System.out.println("first_answer_us=" + firstAnswer);
        System.out.println("ready_us=" + ready);
        System.out.println("first_webhook_200_us=" + firstWebhook200.get());
        System.out.println("ready_poll_statuses=" + readyPollStatuses);
        System.out.println("webhook_poll_statuses=" + new TreeMap<>(webhookPollStatuses));
        System.out.println("burst_ms=" + ms(burstEnd - ready, 1000));
        printLatencies("burst", latencies, statuses);
    }

    private void warmUp(String warmUrl, int threads, int requests) throws InterruptedException {
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Thread(() -> {
                for (int i = 0; i < requests / threads; i++) {
                    post(warmUrl, rejected("000000000000000000000000"));
                    get(warmUrl);
                }
            });
            workers[t].start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
    }

    // ------------------------------------------------------------------------------------------
    // e2e
    // ------------------------------------------------------------------------------------------

    private void endToEnd() throws Exception {
        String url = opt("url", null);
        int count = intOpt("count", 200);
        int senders = intOpt("senders", 20);
        int records = intOpt("records", 500);
        Path output = Path.of(opt("output", null));
        long deadline = System.nanoTime() + Duration.ofSeconds(intOpt("timeout", 600)).toNanos();

        Map<String, Integer> pending = new ConcurrentHashMap<>();
        String[] bodies = new String[count];
        for (int i = 0; i < count; i++) {
            String question = "Sales of product " + i + " by region";
            bodies[i] = "{\"question\":\"" + question + "\",\"question_status\":\"succeeded\",\"ticket_number\":\""
                    + BenchHumaApi.ticket(i) + "\"}";
            pending.put(question.replace(' ', '_') + "_result.json", i);
        }
        Set<String> expected = Set.copyOf(pending.keySet());
        long[] latencies = new long[count];
        int[] statuses = new int[count];
        AtomicInteger next = new AtomicInteger();

        long start = System.nanoTime();
        Thread[] workers = new Thread[senders];
        for (int s = 0; s < senders; s++) {
            workers[s] = new Thread(() -> {
                for (int i; (i = next.getAndIncrement()) < count; ) {
                    long sent = System.nanoTime();
                    statuses[i] = post(url + QUESTION_PATH, bodies[i]);
                    latencies[i] = System.nanoTime() - sent;
                }
            });
            workers[s].start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        long acked = System.nanoTime();

        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            pending.keySet().removeIf(name -> Files.exists(output.resolve(name)));
            if (!pending.isEmpty()) {
                sleep(20);
            }
        }
        long end = System.nanoTime();

        int complete = 0;
        List<String> bad = new ArrayList<>();
        for (String name : expected) {
            Path file = output.resolve(name);
            if (!Files.exists(file)) {
                continue;
            }
            int rows = occurrences(Files.readString(file, StandardCharsets.UTF_8), "\"row\"");
            if (rows == records) {
                complete++;
            } else {
                bad.add(name + " (" + rows + " records)");
            }
        }
        System.out.println("acked_ms=" + ms(acked - start, 1_000_000));
        System.out.println("e2e_ms=" + (pending.isEmpty() ? ms(end - start, 1_000_000) : "timeout"));
        System.out.println("files_complete=" + complete);
        System.out.println("files_missing=" + pending.size());
        System.out.println("files_bad=" + bad.size() + (bad.isEmpty() ? "" : " " + bad.subList(0, Math.min(3, bad.size()))));
        printLatencies("ack", latencies, statuses);
    }

    private static int occurrences(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length())) {
            n++;
        }
        return n;
    }

    // ------------------------------------------------------------------------------------------

    private String rejected(String ticket) {
        return "{\"question\":\"Why did sales drop in the north region?\",\"question_status\":\"rejected\",\"ticket_number\":\""
                + ticket + "\"}";
    }

    /** POSTs a webhook; its status, or -1 when there was no answer (no connection yet, reset). */
    private int post(String url, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + opt("token", null))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private HttpResponse<String> get(String url) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static void printLatencies(String prefix, long[] nanos, int[] statuses) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        Map<Integer, Integer> byStatus = new LinkedHashMap<>();
        Arrays.stream(statuses).sorted().forEach(s -> byStatus.merge(s, 1, Integer::sum));
        System.out.println(prefix + "_count=" + sorted.length);
        System.out.println(prefix + "_p50_ms=" + ms(percentile(sorted, 50), 1_000_000));
        System.out.println(prefix + "_p99_ms=" + ms(percentile(sorted, 99), 1_000_000));
        System.out.println(prefix + "_max_ms=" + ms(sorted[sorted.length - 1], 1_000_000));
        System.out.println(prefix + "_statuses=" + byStatus);
        System.out.println(prefix + "_non2xx=" + Arrays.stream(statuses).filter(s -> s < 200 || s > 299).count());
    }

    /** Nearest-rank percentile of sorted values. */
    private static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static String ms(long value, long perMs) {
        return String.format("%.1f", value / (double) perMs);
    }

    private static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
