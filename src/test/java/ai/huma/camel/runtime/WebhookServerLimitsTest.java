package ai.huma.camel.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import ai.huma.camel.support.HumaRoutesTestSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The webhook server against clients that hold connections: silent ones, ones that send their
 * headers or body a byte at a time, idle kept-alive ones, and more connections than allowed. Raw
 * sockets, as such a client would use.
 */
class WebhookServerLimitsTest extends HumaRoutesTestSupport {

    private static final int READ_TIMEOUT_SECONDS = 1;
    private static final int MAX_CONNECTIONS = 6;
    private static final Webhook WEBHOOK = SimulatedWebhooks.question("t1", "q", "processing");

    private final List<Socket> sockets = new ArrayList<>();

    @Override
    protected Properties extraProperties() {
        return properties(
                "huma.http.request-read-timeout", Integer.toString(READ_TIMEOUT_SECONDS),
                "huma.http.idle-timeout", "30",
                "huma.http.max-connections", Integer.toString(MAX_CONNECTIONS));
    }

    @AfterEach
    void closeSockets() {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // closed already
            }
        }
    }

    @Test
    void aConnectionThatSendsNothingIsClosed() throws Exception {
        Socket silent = open();

        // the limit is the promise: closed once its read time-out has passed (with a margin for a busy machine)
        assertClosedByServerWithin(silent, Duration.ofSeconds(READ_TIMEOUT_SECONDS + 3));
    }

    @Test
    void headersSentAByteAtATimeDoNotKeepTheConnection() throws Exception {
        Socket slow = open();
        OutputStream out = slow.getOutputStream();
        byte[] start = ("POST " + QUESTION_PATH + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + CALLBACK_TOKEN)
                .getBytes(StandardCharsets.US_ASCII);

        long deadline = System.nanoTime() + Duration.ofSeconds(READ_TIMEOUT_SECONDS + 3).toNanos();
        boolean closed = false;
        for (int i = 0; i < start.length && System.nanoTime() < deadline && !closed; i++) {
            try {
                out.write(start[i]);
                out.flush();
            } catch (IOException e) {
                closed = true;
                break;
            }
            // one byte per 100 ms: each well within any idle time-out, the whole far beyond the read time-out
            closed = isClosed(slow, Duration.ofMillis(100));
        }
        assertThat(closed || isClosed(slow, Duration.ofSeconds(READ_TIMEOUT_SECONDS + 3)))
                .as("connection closed while its headers trickled").isTrue();
    }

    @Test
    void aBodySentAByteAtATimeDoesNotKeepTheConnection() throws Exception {
        Socket slow = open();
        OutputStream out = slow.getOutputStream();
        out.write(("POST " + QUESTION_PATH + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + CALLBACK_TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: " + WEBHOOK.body().length() + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();

        boolean closed = false;
        byte[] body = WEBHOOK.body().getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < body.length - 1 && !closed; i++) {
            try {
                out.write(body[i]);
                out.flush();
            } catch (IOException e) {
                closed = true;
                break;
            }
            closed = isClosed(slow, Duration.ofMillis(100));
        }
        assertThat(closed).as("connection closed while its body trickled").isTrue();
    }

    @Test
    void anIdleKeptAliveConnectionIsClosedAfterItsAnswer() throws Exception {
        Socket client = open();
        OutputStream out = client.getOutputStream();
        out.write(rawRequest(WEBHOOK.body()));
        out.flush();
        String answer = readAnswer(client);
        assertThat(answer).startsWith("HTTP/1.1 200");

        assertClosedByServerWithin(client, Duration.ofSeconds(READ_TIMEOUT_SECONDS + 3));
    }

    @Test
    void aKeptAliveConnectionThatKeepsSendingRequestsStaysOpen() throws Exception {
        Socket client = open();
        OutputStream out = client.getOutputStream();
        // over three read time-outs and more than three requests, however long each takes
        long until = System.nanoTime() + Duration.ofSeconds(READ_TIMEOUT_SECONDS * 3L).toNanos();
        int answered = 0;
        while (answered <= 3 || System.nanoTime() < until) {
            out.write(rawRequest(WEBHOOK.body()));
            out.flush();
            assertThat(readAnswer(client)).as("answer %d", answered + 1).startsWith("HTTP/1.1 200");
            answered++;
            // a pause well under the read time-out, watching that the server keeps the connection
            assertThat(isClosed(client, Duration.ofMillis(READ_TIMEOUT_SECONDS * 1000L / 3))).as("closed after answer %d", answered)
                    .isFalse();
        }
    }

    @Test
    void connectionsBeyondTheCapAreClosedAtOnceAndTheServerStillServes() throws Exception {
        for (int i = 0; i < MAX_CONNECTIONS; i++) {
            open();
        }
        Socket extra = open();
        // the limit is the promise: closed at once, not after the read time-out that closes the silent ones
        assertClosedByServerWithin(extra, Duration.ofMillis(READ_TIMEOUT_SECONDS * 1000L / 2));

        // once the silent ones are gone (closed by the server, or by us), webhooks are served again
        for (Socket socket : sockets) {
            socket.close();
        }
        await().atMost(Duration.ofSeconds(5)).ignoreExceptions()
                .until(() -> webhook(WEBHOOK).statusCode() == 200);
    }

    @Test
    void http2OverClearTextIsNotSpoken() throws Exception {
        Socket client = open();
        OutputStream out = client.getOutputStream();
        // the HTTP/2 connection preface
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();

        // an HTTP/2 server would answer with a binary SETTINGS frame; this one answers HTTP/1.1 or closes
        client.setSoTimeout(5000);
        byte[] first = client.getInputStream().readNBytes(12);
        String answer = new String(first, StandardCharsets.US_ASCII);
        assertThat(answer).as("the first bytes of the answer to an HTTP/2 preface")
                .satisfiesAnyOf(a -> assertThat(a).isEmpty(), a -> assertThat(a).matches("HTTP/\\d\\.\\d [45]\\d\\d"));
    }

    private Socket open() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        sockets.add(socket);
        return socket;
    }

    private static byte[] rawRequest(String body) {
        return ("POST " + QUESTION_PATH + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + CALLBACK_TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads one answer (status line, headers and a Content-Length or chunked body), or what came before the end. */
    private static String readAnswer(Socket socket) throws IOException {
        socket.setSoTimeout(5000);
        InputStream in = socket.getInputStream();
        String headers = readLine(in, "\r\n\r\n");
        int length = 0;
        boolean chunked = false;
        for (String line : headers.split("\r\n")) {
            String lower = line.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        StringBuilder body = new StringBuilder();
        if (chunked) {
            int size;
            while ((size = Integer.parseInt(readLine(in, "\r\n").strip(), 16)) > 0) {
                body.append(new String(in.readNBytes(size), StandardCharsets.US_ASCII));
                readLine(in, "\r\n");
            }
            readLine(in, "\r\n");
        } else {
            body.append(new String(in.readNBytes(length), StandardCharsets.US_ASCII));
        }
        return headers + body;
    }

    /** The bytes up to and including the terminator, or up to the end of the stream. */
    private static String readLine(InputStream in, String terminator) throws IOException {
        StringBuilder text = new StringBuilder();
        int c;
        while (!text.toString().endsWith(terminator) && (c = in.read()) >= 0) {
            text.append((char) c);
        }
        return text.toString();
    }

    private static void assertClosedByServerWithin(Socket socket, Duration within) throws IOException {
        assertThat(isClosed(socket, within)).as("closed by the server within %s", within).isTrue();
    }

    /** True when the server closes the connection (end of stream or reset) within the given time. */
    private static boolean isClosed(Socket socket, Duration within) throws IOException {
        socket.setSoTimeout((int) Math.max(1, within.toMillis()));
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }
}
