package ai.huma.camel.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The hostile modes of {@link HumaSimulator}, checked with a real HTTP client (java.net.http, and a raw socket). */
// a safety net against a body that never ends (a broken mode hangs the client), not a limit on speed
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HumaSimulatorTest {

    private static final int MB = 1 << 20;
    private static final int CHUNK_READ = 64 * 1024;

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    private final ObjectMapper mapper = new ObjectMapper();
    private HumaSimulator api;

    @BeforeEach
    void start() {
        api = HumaSimulator.start();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void portIsTheOneOfTheBaseUrl() {
        assertThat(api.port()).isPositive().isEqualTo(URI.create(api.baseUrl()).getPort());
    }

    @Test
    void trickleSendsHeadersAtOnceThenOneByteEveryInterval() throws Exception {
        byte[] content = "0123456789abcdefghijklmnopqrstuvwxyzABCD".getBytes(StandardCharsets.US_ASCII);
        api.visual("t1", "pdf", content);
        api.trickle("/files/.*", Duration.ofMillis(20), 1);

        HttpResponse<InputStream> response = send("/files/t1.pdf", BodyHandlers.ofInputStream());
        long headersAt = System.nanoTime();
        byte[] body;
        try (InputStream in = response.body()) {
            body = in.readAllBytes();
        }
        long bodyMillis = (System.nanoTime() - headersAt) / 1_000_000;

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-length")).isEmpty(); // chunked
        assertThat(body).isEqualTo(content);
        // the headers came before the body, and the body took at least 40 intervals
        assertThat(bodyMillis).isGreaterThanOrEqualTo(40 * 20 - 5);

        HttpResponse<byte[]> next = send("/files/t1.pdf", BodyHandlers.ofByteArray());
        assertThat(next.headers().firstValue("content-length")).contains("40"); // times used up: normal again
        assertThat(next.body()).isEqualTo(content);
    }

    @Test
    void trickleSendsTheNormalJsonAnswer() throws Exception {
        api.question("q1", 2);
        byte[] normal = send("/v1/questions/q1/result", BodyHandlers.ofByteArray()).body();
        api.trickle("/v1/questions/.*", Duration.ofMillis(1), 1);

        HttpResponse<byte[]> trickled = send("/v1/questions/q1/result", BodyHandlers.ofByteArray());

        assertThat(trickled.statusCode()).isEqualTo(200);
        assertThat(trickled.headers().firstValue("content-type")).contains("application/json");
        assertThat(trickled.headers().firstValue("content-length")).isEmpty();
        assertThat(trickled.body()).isEqualTo(normal);
    }

    @Test
    void endlessKeepsSendingATableAnswer() throws Exception {
        api.question("e1", 10);
        api.endless(".*/result", 1);

        HttpResponse<InputStream> response = send("/v1/questions/e1/result", BodyHandlers.ofInputStream());
        byte[] head;
        long read;
        try (InputStream in = response.body()) {
            head = in.readNBytes(64);
            read = head.length + skip(in, 5 * MB);
        }

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).contains("application/json");
        assertThat(response.headers().firstValue("content-length")).isEmpty();
        assertThat(new String(head, StandardCharsets.US_ASCII)).startsWith("{\"answer\":{\"type\":\"table\",\"data\":[{\"row\":1,\"pad\":\"xxx");
        assertThat(read).isGreaterThanOrEqualTo(5 * MB + 64);
        assertThat(api.bytesStreamed()).isGreaterThanOrEqualTo(5 * MB);

        JsonNode next = json(send("/v1/questions/e1/result", BodyHandlers.ofByteArray()).body());
        assertThat(next.at("/answer/data").size()).isEqualTo(10); // times used up: normal again
    }

    @Test
    void clientsLeavingEndlessBodiesFreeTheServerThreads() throws Exception {
        api.question("n1", 3);
        api.endless(".*/result", 40); // more than the 16 server threads

        for (int i = 0; i < 40; i++) {
            HttpResponse<InputStream> response = send("/v1/questions/n1/result", BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                assertThat(skip(in, 256 * 1024)).isEqualTo(256 * 1024);
            }
        }

        // a handler still writing would hold a thread: the 17th call would have had no answer at all
        JsonNode normal = json(send("/v1/questions/n1/result", BodyHandlers.ofByteArray()).body());
        assertThat(normal.at("/answer/data").size()).isEqualTo(3);
    }

    @Test
    void endlessVisualNeverEnds() throws Exception {
        api.endlessVisual("ev", "png");

        HttpResponse<InputStream> response = send("/files/ev.png", BodyHandlers.ofInputStream());
        byte[] head;
        long read;
        try (InputStream in = response.body()) {
            head = in.readNBytes(1000);
            read = head.length + skip(in, 5 * MB);
        }

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-length")).isEmpty();
        for (int i = 0; i < head.length; i++) {
            assertThat(head[i]).as("byte %d", i).isEqualTo(HumaSimulator.expectedVisualByte(i));
        }
        assertThat(read).isGreaterThanOrEqualTo(5 * MB + 1000);
        assertThat(api.bytesStreamed()).isGreaterThanOrEqualTo(5 * MB);
    }

    @Test
    void hugePagesAreHugeNumberedByPageAndNeverLast() throws Exception {
        api.hugePages("h1", 200_000);

        HttpResponse<byte[]> third = send("/v1/questions/h1/result?page=3&limit=50", BodyHandlers.ofByteArray());
        JsonNode page = json(third.body());

        assertThat(third.body().length).isBetween(190_000, 210_000);
        assertThat(third.headers().firstValue("content-length")).contains(String.valueOf(third.body().length));
        assertThat(page.at("/answer/data").size()).isEqualTo(50);
        assertThat(page.at("/answer/data/0/row").asLong()).isEqualTo(101);
        assertThat(page.at("/answer/data/49/row").asLong()).isEqualTo(150);
        assertThat(page.at("/answer/data/49").isObject()).isTrue();
        assertThat(page.at("/metadata/has_next_page").asBoolean()).isTrue();
        assertThat(page.at("/metadata/page_count").asLong()).isEqualTo(1_000_000);
        assertThat(page.at("/ticket_number").asText()).isEqualTo("h1");

        HttpResponse<byte[]> far = send("/v1/questions/h1/result?page=999999", BodyHandlers.ofByteArray());
        JsonNode last = json(far.body());
        assertThat(far.body().length).isBetween(190_000, 210_000);
        assertThat(last.at("/answer/data").size()).isEqualTo(100);
        assertThat(last.at("/answer/data/0/row").asLong()).isEqualTo(99_999_801L);
        assertThat(last.at("/answer/data/99/row").asLong()).isEqualTo(99_999_900L);
        assertThat(last.at("/metadata/has_next_page").asBoolean()).isTrue();
        assertThat(api.bytesStreamed()).isEqualTo(third.body().length + far.body().length);

        api.hugePages("h10", 10_000_000);
        HttpResponse<byte[]> big = send("/v1/questions/h10/result?page=1", BodyHandlers.ofByteArray());
        assertThat(big.body().length).isBetween(9_900_000, 10_100_000);
        assertThat(json(big.body()).at("/answer/data/99/row").asLong()).isEqualTo(100);
    }

    @Test
    void metadataOverridesAppearAndNullRemovesTheKey() throws Exception {
        api.question("m1", 250);
        api.question("plain", 250);
        api.subscription("s1", 120);
        api.hugePages("h2", 5_000);
        Map<String, Object> overrides = new HashMap<>();
        overrides.put("page_count", 9_999_999_999L);
        overrides.put("total_count", -5);
        overrides.put("has_next_page", null);
        api.metadata("m1", overrides);
        api.metadata("s1", Map.of("page_count", new BigInteger("123456789012345678901234567890")));
        api.metadata("h2", Map.of("has_next_page", false));

        JsonNode question = json(send("/v1/questions/m1/result?page=2", BodyHandlers.ofByteArray()).body()).get("metadata");
        assertThat(question.get("page_count").asLong()).isEqualTo(9_999_999_999L);
        assertThat(question.get("total_count").asInt()).isEqualTo(-5);
        assertThat(question.has("has_next_page")).isFalse();
        assertThat(question.get("page").asInt()).isEqualTo(2); // the computed entries stay

        JsonNode subscription = json(send("/v1/subscription/s1/data", BodyHandlers.ofByteArray()).body()).get("metadata");
        assertThat(subscription.get("page_count").bigIntegerValue()).isEqualTo(new BigInteger("123456789012345678901234567890"));
        assertThat(subscription.get("has_next_page").asBoolean()).isTrue();

        JsonNode plain = json(send("/v1/questions/plain/result", BodyHandlers.ofByteArray()).body()).get("metadata");
        assertThat(plain.get("page_count").asInt()).isEqualTo(3);
        assertThat(plain.get("has_next_page").asBoolean()).isTrue();

        JsonNode huge = json(send("/v1/questions/h2/result", BodyHandlers.ofByteArray()).body()).get("metadata");
        assertThat(huge.get("has_next_page").asBoolean()).isFalse();
        assertThat(huge.get("page_count").asInt()).isEqualTo(1_000_000);
    }

    @Test
    void cutMidStreamIsAnErrorAtTheClient() throws Exception {
        api.question("c1", 100);
        byte[] normal = send("/v1/questions/c1/result", BodyHandlers.ofByteArray()).body();
        api.cutMidStream(".*/result", 1);

        // a time-out here (the connection left open) would be a TimeoutException, not an ExecutionException
        assertThatThrownBy(() -> send("/v1/questions/c1/result", BodyHandlers.ofByteArray()))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);

        assertThat(send("/v1/questions/c1/result", BodyHandlers.ofByteArray()).body()).isEqualTo(normal);
    }

    @Test
    void cutMidStreamSendsHalfOfTheAnnouncedLengthThenCloses() throws Exception {
        byte[] content = new byte[1000];
        Arrays.fill(content, (byte) 'v');
        api.visual("cf", "bin", content);
        api.cutMidStream("/files/.*", 1);

        byte[] raw;
        try (Socket socket = new Socket("127.0.0.1", api.port())) {
            socket.setSoTimeout(10_000); // a connection left open ends in a SocketTimeoutException
            OutputStream out = socket.getOutputStream();
            out.write("GET /files/cf.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            raw = readToEnd(socket.getInputStream());
        }
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int bodyStart = text.indexOf("\r\n\r\n") + 4;

        assertThat(text).startsWith("HTTP/1.1 200").containsIgnoringCase("Content-length: 1000\r\n");
        assertThat(raw.length - bodyStart).isEqualTo(500);
        assertThat(Arrays.copyOfRange(raw, bodyStart, raw.length)).isEqualTo(Arrays.copyOf(content, 500));
    }

    @Test
    void cutMidStreamSkipsBodiesWithoutLength() throws Exception {
        api.endlessVisual("ev", "bin");
        api.visual("small", "bin", new byte[100]);
        api.cutMidStream("/files/.*", 1);

        HttpResponse<InputStream> endless = send("/files/ev.bin", BodyHandlers.ofInputStream());
        try (InputStream in = endless.body()) {
            assertThat(skip(in, 2 * MB)).isEqualTo(2 * MB); // not cut: an endless body has no length to cut
        }
        assertThatThrownBy(() -> send("/files/small.bin", BodyHandlers.ofByteArray()))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);
    }

    @Test
    void largeVisualStreamsItsLengthAndContent() throws Exception {
        long size = 20L * MB;
        api.largeVisual("lv", "pdf", size);

        JsonNode result = json(send("/v1/histories/lv/visual/result", BodyHandlers.ofByteArray()).body());
        assertThat(result.get("download_url").asText()).startsWith(api.baseUrl() + "/files/lv.pdf");

        HttpResponse<InputStream> response = send("/files/lv.pdf", BodyHandlers.ofInputStream());
        long position = 0;
        long wrong = 0;
        try (InputStream in = response.body()) {
            byte[] buffer = new byte[CHUNK_READ];
            for (int n; (n = in.read(buffer)) > 0; position += n) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] != HumaSimulator.expectedVisualByte(position + i)) {
                        wrong++;
                    }
                }
            }
        }

        assertThat(response.headers().firstValue("content-length")).contains(String.valueOf(size));
        assertThat(position).isEqualTo(size);
        assertThat(wrong).isZero();
        assertThat(api.bytesStreamed()).isEqualTo(size);
    }

    @Test
    void gzipBombSendsFewBytesThatInflateToThePromisedSize() throws Exception {
        api.question("g1", 5);
        long inflated = 50_000_000;
        api.gzipBomb(".*/result", inflated, 1);

        HttpResponse<byte[]> response = send("/v1/questions/g1/result", BodyHandlers.ofByteArray());
        byte[] head = new byte[64];
        byte[] tail = new byte[64]; // the last 64 bytes, as a ring
        long total = 0;
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(response.body()))) {
            byte[] buffer = new byte[CHUNK_READ];
            for (int n; (n = in.read(buffer)) > 0; ) {
                for (int i = 0; i < n; i++, total++) {
                    if (total < head.length) {
                        head[(int) total] = buffer[i];
                    }
                    tail[(int) (total % tail.length)] = buffer[i];
                }
            }
        }
        byte[] last = new byte[tail.length];
        for (int i = 0; i < tail.length; i++) {
            last[i] = tail[(int) ((total + i) % tail.length)];
        }

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-encoding")).contains("gzip");
        assertThat(response.body().length).isLessThan(500_000); // under 1 % of what it inflates to
        assertThat(api.bytesStreamed()).isEqualTo(response.body().length);
        assertThat(total).isEqualTo(inflated);
        assertThat(new String(head, StandardCharsets.US_ASCII)).startsWith("{\"answer\":{\"type\":\"table\",\"data\":[{\"row\":1,\"pad\":\"   ");
        assertThat(new String(last, StandardCharsets.US_ASCII)).endsWith("   \"}]},\"metadata\":{\"has_next_page\":false,\"page_count\":1}}");

        HttpResponse<byte[]> next = send("/v1/questions/g1/result", BodyHandlers.ofByteArray());
        assertThat(next.headers().firstValue("content-encoding")).isEmpty(); // times used up: normal again
        assertThat(json(next.body()).at("/answer/data").size()).isEqualTo(5);
    }

    @Test
    void visualAtNamesTheUrlVerbatim() throws Exception {
        String url = "http://169.254.169.254/latest/meta-data?x=%2F&y=1#frag";
        api.visualAt("va", "pdf", url);
        api.visualAt("vb", "png", "file:///etc/passwd");

        JsonNode a = json(send("/v1/histories/va/visual/result", BodyHandlers.ofByteArray()).body());
        JsonNode b = json(send("/v1/histories/vb/visual/result", BodyHandlers.ofByteArray()).body());

        assertThat(a.get("download_url").asText()).isEqualTo(url);
        assertThat(a.get("file_type").asText()).isEqualTo("pdf");
        assertThat(b.get("download_url").asText()).isEqualTo("file:///etc/passwd");
    }

    @Test
    void precedenceIsFailThenEndlessThenTrickleEachUsedOnlyWhenItApplies() throws Exception {
        api.question("p1", 3);
        byte[] normal = send("/v1/questions/p1/result", BodyHandlers.ofByteArray()).body();
        api.trickle(".*/result", Duration.ofMillis(1), 1);
        api.endless(".*/result", 1);
        api.fail(".*/result", null, 503, 1);

        assertThat(send("/v1/questions/p1/result", BodyHandlers.ofByteArray()).statusCode()).isEqualTo(503);

        HttpResponse<InputStream> endless = send("/v1/questions/p1/result", BodyHandlers.ofInputStream());
        try (InputStream in = endless.body()) {
            assertThat(skip(in, MB)).isEqualTo(MB);
        }

        HttpResponse<byte[]> trickled = send("/v1/questions/p1/result", BodyHandlers.ofByteArray());
        assertThat(trickled.headers().firstValue("content-length")).isEmpty();
        assertThat(trickled.body()).isEqualTo(normal);

        HttpResponse<byte[]> plain = send("/v1/questions/p1/result", BodyHandlers.ofByteArray());
        assertThat(plain.headers().firstValue("content-length")).contains(String.valueOf(normal.length));
    }

    @Test
    void controlCallsInjectTheModes() throws Exception {
        api.question("k1", 3);
        api.visual("kf", "bin", new byte[20]);

        assertThat(control("/_fake/trickle?path=/files/.*&ms=10&times=1")).isEqualTo(200);
        // timed from the request: the bytes may already be on their way when the headers arrive
        long sentAt = System.nanoTime();
        HttpResponse<InputStream> trickled = send("/files/kf.bin", BodyHandlers.ofInputStream());
        try (InputStream in = trickled.body()) {
            assertThat(in.readAllBytes()).hasSize(20);
        }
        // 20 bytes 10 ms apart: at least 19 pauses
        assertThat((System.nanoTime() - sentAt) / 1_000_000).isGreaterThanOrEqualTo(19 * 10);

        assertThat(control("/_fake/endless?path=.*/result&times=1")).isEqualTo(200);
        HttpResponse<InputStream> endless = send("/v1/questions/k1/result", BodyHandlers.ofInputStream());
        try (InputStream in = endless.body()) {
            assertThat(skip(in, MB)).isEqualTo(MB);
        }

        assertThat(control("/_fake/cut?path=.*/result&times=1")).isEqualTo(200);
        assertThatThrownBy(() -> send("/v1/questions/k1/result", BodyHandlers.ofByteArray()))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);

        assertThat(json(send("/v1/questions/k1/result", BodyHandlers.ofByteArray()).body()).at("/answer/data").size()).isEqualTo(3);
    }

    @Test
    void resetForgetsTheModesAndTheData() throws Exception {
        api.question("r1", 3);
        api.hugePages("rh", 10_000);
        api.metadata("r1", Map.of("page_count", -5));
        api.largeVisual("rv", "pdf", 1000);
        assertThat(send("/files/rv.pdf", BodyHandlers.ofByteArray()).body()).hasSize(1000);
        assertThat(api.bytesStreamed()).isEqualTo(1000);
        api.endless(".*", 5);
        api.trickle(".*", Duration.ofSeconds(1), 5);
        api.cutMidStream(".*", 5);
        api.gzipBomb(".*", 1000, 5);

        api.reset();
        api.question("r1", 3);

        assertThat(api.bytesStreamed()).isZero();
        HttpResponse<byte[]> question = send("/v1/questions/r1/result", BodyHandlers.ofByteArray());
        assertThat(question.headers().firstValue("content-length")).contains(String.valueOf(question.body().length));
        assertThat(json(question.body()).at("/metadata/page_count").asInt()).isEqualTo(1);
        assertThat(send("/v1/questions/rh/result", BodyHandlers.ofByteArray()).statusCode()).isEqualTo(404);
        assertThat(send("/files/rv.pdf", BodyHandlers.ofByteArray()).statusCode()).isEqualTo(404);
    }

    @Test
    void servesAnyWellFormedIdTheSameWayEveryTime() throws Exception {
        String ticket = "7a1b2c3d4e5f60718293a4b5";
        byte[] firstPage = send("/v1/questions/" + ticket + "/result?page=1&limit=100", BodyHandlers.ofByteArray()).body();
        JsonNode page1 = json(firstPage);
        JsonNode page3 = json(send("/v1/questions/" + ticket + "/result?page=3&limit=100", BodyHandlers.ofByteArray()).body());
        assertThat(page1.at("/metadata/page_count").asInt()).isEqualTo(3);
        assertThat(page1.at("/metadata/total_count").asInt()).isEqualTo(HumaSimulator.ANY_QUESTION_RECORDS);
        assertThat(page3.at("/answer/data").size()).isEqualTo(50);
        assertThat(page3.at("/metadata/has_next_page").asBoolean()).isFalse();
        assertThat(send("/v1/questions/" + ticket + "/result?page=1&limit=100", BodyHandlers.ofByteArray()).body())
                .as("deterministic").isEqualTo(firstPage);
        assertThat(json(send("/v1/questions/" + ticket + "/status", BodyHandlers.ofByteArray()).body())
                .get("question_status").asText()).isEqualTo("succeeded");

        JsonNode subscription = json(send("/v1/subscription/6601a2b3c4d5e6f708192a3c/data?page=2&limit=100",
                BodyHandlers.ofByteArray()).body());
        assertThat(subscription.at("/subscriptions/data").size()).isEqualTo(HumaSimulator.ANY_SUBSCRIPTION_RECORDS - 100);

        JsonNode visual = json(send("/v1/histories/6702b3c4d5e6f708192a3b4d/visual/result", BodyHandlers.ofByteArray()).body());
        assertThat(visual.get("file_type").asText()).isEqualTo("pdf");
        URI download = URI.create(visual.get("download_url").asText());
        HttpResponse<byte[]> file = send(download.getRawPath() + "?" + download.getRawQuery(), BodyHandlers.ofByteArray());
        assertThat(file.statusCode()).isEqualTo(200);
        String pdf = new String(file.body(), StandardCharsets.US_ASCII);
        assertThat(pdf).startsWith("%PDF-1.4").endsWith("%%EOF\n").contains("6702b3c4d5e6f708192a3b4d");
        // the cross-reference table points at "4 0 obj", as a PDF reader follows it
        String[] xref = pdf.substring(pdf.indexOf("xref\n")).split("\n");
        int fourth = Integer.parseInt(xref[6].substring(0, 10));
        assertThat(pdf.substring(fourth)).startsWith("4 0 obj");
        assertThat(pdf.substring(pdf.lastIndexOf("startxref\n") + 10).strip()).startsWith(String.valueOf(pdf.indexOf("xref\n")));

        // ids of another shape are not Huma's: unknown unless registered
        assertThat(send("/v1/questions/not-an-object-id/result", BodyHandlers.ofByteArray()).statusCode()).isEqualTo(404);
        assertThat(send("/v1/questions/7A1B2C3D4E5F60718293A4B5/result", BodyHandlers.ofByteArray()).statusCode()).isEqualTo(404);
        assertThat(send("/files/6702b3c4d5e6f708192a3b4d.csv", BodyHandlers.ofByteArray()).statusCode()).isEqualTo(404);
    }

    @Test
    void answersTheAccessPermissionsCheckForItsKeyOnly() throws Exception {
        HttpRequest.Builder check = HttpRequest.newBuilder(URI.create(api.baseUrl() + "/v1/sdk/access-permissions"))
                .timeout(Duration.ofSeconds(20));

        HttpResponse<String> allowed = client.send(check.copy().header("Authorization", "Bearer " + api.apiKey())
                .header("Service-access", "questions").build(), BodyHandlers.ofString());
        HttpResponse<String> wrongKey = client.send(check.copy().header("Authorization", "Bearer nope")
                .header("Service-access", "questions").build(), BodyHandlers.ofString());
        HttpResponse<String> noService = client.send(check.copy().header("Authorization", "Bearer " + api.apiKey()).build(),
                BodyHandlers.ofString());

        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(mapper.readTree(allowed.body()).get("service").asText()).isEqualTo("questions");
        assertThat(wrongKey.statusCode()).isEqualTo(401);
        assertThat(mapper.readTree(wrongKey.body()).has("error_message")).isTrue();
        assertThat(noService.statusCode()).isEqualTo(400);
    }

    @Test
    void takesTheKeyItWasGiven() throws Exception {
        try (HumaSimulator own = HumaSimulator.start("another-key")) {
            HttpRequest.Builder call = HttpRequest.newBuilder(URI.create(own.baseUrl() + "/v1/questions/7a1b2c3d4e5f60718293a4b5/result"))
                    .timeout(Duration.ofSeconds(20));
            assertThat(client.send(call.copy().header("Authorization", "Bearer another-key").build(), BodyHandlers.discarding())
                    .statusCode()).isEqualTo(200);
            assertThat(client.send(call.copy().header("Authorization", "Bearer " + HumaSimulator.API_KEY).build(),
                    BodyHandlers.discarding()).statusCode()).isEqualTo(401);
        }
        assertThatThrownBy(() -> HumaSimulator.start(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    private <T> HttpResponse<T> send(String pathAndQuery, BodyHandler<T> handler) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(api.baseUrl() + pathAndQuery))
                .header("Authorization", "Bearer " + api.apiKey()).timeout(Duration.ofSeconds(20)).build();
        return client.sendAsync(request, handler).get(60, TimeUnit.SECONDS); // bounds the body too, not only the headers
    }

    private int control(String pathAndQuery) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(api.baseUrl() + pathAndQuery))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(20)).build();
        return client.sendAsync(request, BodyHandlers.discarding()).get(60, TimeUnit.SECONDS).statusCode();
    }

    private JsonNode json(byte[] body) throws IOException {
        return mapper.readTree(body);
    }

    /** Reads and drops {@code bytes} bytes (fewer if the body ends first); returns how many were read. */
    private static long skip(InputStream in, long bytes) throws IOException {
        byte[] buffer = new byte[CHUNK_READ];
        long read = 0;
        for (int n; read < bytes && (n = in.read(buffer, 0, (int) Math.min(buffer.length, bytes - read))) > 0; ) {
            read += n;
        }
        return read;
    }

    private static byte[] readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                all.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the connection stayed open after " + all.size() + " bytes", e);
        }
        return all.toByteArray();
    }
}
