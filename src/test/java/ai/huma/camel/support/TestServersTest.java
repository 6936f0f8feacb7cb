package ai.huma.camel.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import jakarta.activation.DataHandler;
import jakarta.mail.util.ByteArrayDataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.attachment.AttachmentMessage;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;
import org.apache.camel.component.file.GenericFileOperationFailedException;
import org.apache.camel.impl.DefaultCamelContext;
import org.eclipse.angus.mail.util.MailConnectException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.awaitility.Awaitility.await;

/**
 * Each test server against the Camel URI a user of the bundle would write, in a plain CamelContext
 * (not the bundle's routes): the result arrives under its CamelFileName with the exact bytes; while
 * the server is down the send fails with an exception; once it is back the same endpoint delivers.
 */
class TestServersTest {

    private static final String FILE_NAME = "x_result.json";
    /** Line ends of both kinds and non-ASCII text: any text-mode transfer would change them. */
    private static final byte[] RESULT = "{\"answer\":\"Grüße ✓\",\r\n\"rows\":[1,2]}\n".getBytes(StandardCharsets.UTF_8);
    /** Every byte value between a PDF's first and last line. */
    private static final byte[] PDF = pdfLike();

    private static String previousChecksumSetting;

    private Path dir;
    private CamelContext camel;
    private ProducerTemplate template;

    @BeforeAll
    static void relaxS3Checksums() {
        previousChecksumSetting = TestS3Server.relaxSdkChecksums();
    }

    @AfterAll
    static void restoreS3Checksums() {
        if (previousChecksumSetting == null) {
            System.clearProperty(TestS3Server.CHECKSUM_PROPERTY);
        } else {
            System.setProperty(TestS3Server.CHECKSUM_PROPERTY, previousChecksumSetting);
        }
    }

    @BeforeEach
    void startCamel() throws IOException {
        dir = Files.createTempDirectory(Files.createDirectories(HumaRoutesTestSupport.TEST_WORK), "TestServersTest-");
        camel = new DefaultCamelContext();
        camel.start();
        template = camel.createProducerTemplate();
    }

    @AfterEach
    void stopCamel() {
        camel.stop();
    }

    // ---------------------------------------------------------------------------------------- SFTP

    @Test
    void sftpWithPasswordAndVerifiedHostKeyDeliversFailsWhileDownAndDeliversAgain() throws Exception {
        try (TestSftpServer sftp = new TestSftpServer(dir.resolve("sftp"))) {
            String uri = "sftp://" + sftp.user() + "@127.0.0.1:" + sftp.port() + "/out"
                    + "?password=" + sftp.password()
                    + "&knownHostsFile=" + sftp.knownHostsFile()
                    + "&strictHostKeyChecking=yes"
                    + "&useUserKnownHostsFile=false"
                    + "&tempFileName=.${exchangeId}.part";

            assertThat(send(uri, RESULT).getException()).isNull();
            assertDelivered(sftp.root().resolve("out"), FILE_NAME, RESULT);

            sftp.stop();
            // the session of the first send is gone: the send fails. Camel 4.18 says so with a
            // GenericFileOperationFailedException, or, when JSch has not noticed yet that the server
            // closed the session, with a NullPointerException from SftpOperations (seen once in CI);
            // a route retries either
            assertThat(send(uri, "second".getBytes(StandardCharsets.UTF_8)).getException()).isNotNull();
            assertThat(Files.readAllBytes(sftp.root().resolve("out").resolve(FILE_NAME))).isEqualTo(RESULT);
            // a new connection while it is down names where it could not connect
            Exchange failed = send(uri + "&connectTimeout=10000", "second".getBytes(StandardCharsets.UTF_8));
            assertThat(failed.getException())
                    .isExactlyInstanceOf(GenericFileOperationFailedException.class)
                    .hasMessageStartingWith("Cannot connect to sftp://huma@127.0.0.1:" + sftp.port())
                    .hasRootCauseExactlyInstanceOf(ConnectException.class);

            sftp.start();
            assertThat(send(uri, "second".getBytes(StandardCharsets.UTF_8)).getException()).isNull();
            assertDelivered(sftp.root().resolve("out"), FILE_NAME, "second".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void sftpWithPublicKey() throws Exception {
        try (TestSftpServer sftp = new TestSftpServer(dir.resolve("sftp"))) {
            String uri = "sftp://" + sftp.user() + "@127.0.0.1:" + sftp.port() + "/out"
                    + "?privateKeyFile=" + sftp.privateKeyFile()
                    + "&knownHostsFile=" + sftp.knownHostsFile()
                    + "&strictHostKeyChecking=yes"
                    + "&useUserKnownHostsFile=false";

            assertThat(send(uri, RESULT).getException()).isNull();
            assertDelivered(sftp.root().resolve("out"), FILE_NAME, RESULT);
        }
    }

    @Test
    void sftpRefusesAnUnknownHostKeyAndAWrongPassword() throws Exception {
        try (TestSftpServer sftp = new TestSftpServer(dir.resolve("sftp"));
                TestSftpServer other = new TestSftpServer(dir.resolve("other"))) {
            String base = "sftp://" + sftp.user() + "@127.0.0.1:" + sftp.port() + "/out?maximumReconnectAttempts=0"
                    + "&strictHostKeyChecking=yes&useUserKnownHostsFile=false";
            // the other server's known_hosts names another port and key
            Path wrongKnownHosts = dir.resolve("wrong_known_hosts");
            Files.writeString(wrongKnownHosts, Files.readString(other.knownHostsFile())
                    .replace(":" + other.port() + " ", ":" + sftp.port() + " "));

            Exchange unknownKey = send(base + "&password=" + sftp.password() + "&knownHostsFile=" + wrongKnownHosts,
                    RESULT);
            assertThat(unknownKey.getException()).isExactlyInstanceOf(GenericFileOperationFailedException.class);
            assertThat(rootCause(unknownKey.getException())).hasMessageContaining("HostKey has been changed");

            Exchange wrongPassword = send(base + "&password=wrong&knownHostsFile=" + sftp.knownHostsFile(), RESULT);
            assertThat(wrongPassword.getException()).isExactlyInstanceOf(GenericFileOperationFailedException.class);
            assertThat(rootCause(wrongPassword.getException())).hasMessageContaining("Auth fail");

            assertThat(sftp.root().resolve("out")).doesNotExist();
        }
    }

    // ----------------------------------------------------------------------------------------- FTP

    @Test
    void ftpDeliversFailsWhileDownAndDeliversAgain() throws Exception {
        try (TestFtpServer ftp = new TestFtpServer(dir.resolve("ftp"))) {
            String uri = "ftp://" + ftp.user() + "@127.0.0.1:" + ftp.port() + "/out"
                    + "?password=" + ftp.password()
                    + "&passiveMode=true"
                    + "&binary=true"
                    + "&tempFileName=.${exchangeId}.part";

            assertThat(send(uri, RESULT).getException()).isNull();
            assertDelivered(ftp.root().resolve("out"), FILE_NAME, RESULT);

            ftp.stop();
            Exchange failed = send(uri, PDF);
            assertThat(failed.getException())
                    .isExactlyInstanceOf(GenericFileOperationFailedException.class)
                    .hasMessageContaining("Connection refused")
                    .hasRootCauseExactlyInstanceOf(ConnectException.class);

            ftp.start();
            assertThat(send(uri, PDF).getException()).isNull();
            assertDelivered(ftp.root().resolve("out"), FILE_NAME, PDF);
        }
    }

    @Test
    void ftpRefusesAWrongPassword() throws Exception {
        try (TestFtpServer ftp = new TestFtpServer(dir.resolve("ftp"))) {
            Exchange wrong = send("ftp://" + ftp.user() + "@127.0.0.1:" + ftp.port()
                    + "/out?password=wrong&passiveMode=true&binary=true&maximumReconnectAttempts=0", RESULT);
            assertThat(wrong.getException()).isExactlyInstanceOf(GenericFileOperationFailedException.class);
            assertThat(ftp.root().resolve("out")).doesNotExist();
        }
    }

    // ------------------------------------------------------------------------------------------ S3

    private static String s3Uri(TestS3Server s3) {
        return "aws2-s3://" + s3.bucket()
                + "?uriEndpointOverride=" + s3.endpoint()
                + "&overrideEndpoint=true"
                + "&forcePathStyle=true"
                + "&region=" + s3.region()
                + "&accessKey=" + s3.accessKey()
                + "&secretKey=RAW(" + s3.secretKey() + ")";
    }

    /** S3 ignores CamelFileName: the key comes from CamelAwsS3Key. */
    private Exchange sendToS3(String uri, Object body, Map<String, Object> extraHeaders) {
        return template.send(uri, exchange -> {
            exchange.getMessage().setBody(body);
            exchange.getMessage().setHeader(Exchange.FILE_NAME, FILE_NAME);
            exchange.getMessage().setHeader(AWS2S3Constants.KEY, exchange.getMessage().getHeader(Exchange.FILE_NAME));
            exchange.getMessage().getHeaders().putAll(extraHeaders);
        });
    }

    @Test
    void s3DeliversFailsWhileDownAndDeliversAgain() throws Exception {
        try (TestS3Server s3 = new TestS3Server(dir.resolve("s3"))) {
            String uri = s3Uri(s3);

            assertThat(sendToS3(uri, RESULT, Map.of()).getException()).isNull();
            assertThat(s3.keys()).containsExactly(FILE_NAME);
            assertThat(s3.object(FILE_NAME)).isEqualTo(RESULT);

            s3.stop();
            Exchange failed = sendToS3(uri, PDF, Map.of());
            assertThat(failed.getException())
                    .isExactlyInstanceOf(SdkClientException.class)
                    .hasMessageContaining("Unable to execute HTTP request")
                    .hasRootCauseExactlyInstanceOf(ConnectException.class);

            s3.start();
            assertThat(sendToS3(uri, PDF, Map.of()).getException()).isNull();
            assertThat(s3.keys()).containsExactly(FILE_NAME);
            assertThat(s3.object(FILE_NAME)).isEqualTo(PDF);
        }
    }

    @Test
    void s3TakesAStreamedBodyWhoseLengthIsInCamelAwsS3ContentLength() throws Exception {
        try (TestS3Server s3 = new TestS3Server(dir.resolve("s3"))) {
            byte[] large = new byte[1024 * 1024 + 17];
            for (int i = 0; i < large.length; i++) {
                large[i] = (byte) (i * 31 + i / 4096);
            }
            Exchange sent = sendToS3(s3Uri(s3), new OneWayStream(large),
                    Map.of(AWS2S3Constants.CONTENT_LENGTH, (long) large.length));

            assertThat(sent.getException()).isNull();
            assertThat(s3.object(FILE_NAME)).isEqualTo(large);
        }
    }

    /**
     * The pitfall behind CamelAwsS3ContentLength: without it camel-aws2-s3 4.18 measures a stream that
     * supports mark() by skipping what available() reports, which for a buffered stream over a socket
     * or pipe is 0 or a part of it, and stores that many bytes without any error. A stream without
     * mark() is read into memory first (whole body on the heap, but complete).
     */
    @Test
    void s3StoresATruncatedObjectForABufferedStreamWithoutItsLength() throws Exception {
        try (TestS3Server s3 = new TestS3Server(dir.resolve("s3"))) {
            byte[] data = new byte[100_000];
            Arrays.fill(data, (byte) 7);

            Exchange buffered = sendToS3(s3Uri(s3), new BufferedInputStream(new OneWayStream(data)), Map.of());
            assertThat(buffered.getException()).isNull();
            assertThat(s3.object(FILE_NAME)).as("silently truncated").isEmpty();

            Exchange withLength = sendToS3(s3Uri(s3), new BufferedInputStream(new OneWayStream(data)),
                    Map.of(AWS2S3Constants.CONTENT_LENGTH, (long) data.length));
            assertThat(withLength.getException()).isNull();
            assertThat(s3.object(FILE_NAME)).isEqualTo(data);

            Exchange unmarkable = sendToS3(s3Uri(s3), new OneWayStream(RESULT), Map.of());
            assertThat(unmarkable.getException()).isNull();
            assertThat(s3.object(FILE_NAME)).isEqualTo(RESULT);
        }
    }

    /** The other way round the 501: an S3 client of one's own, set to compute checksums only when required. */
    @Test
    void s3ClientOfOurOwnWithChecksumsWhenRequiredWorksToo() throws Exception {
        try (TestS3Server s3 = new TestS3Server(dir.resolve("s3"));
                S3Client client = sdkClient(s3, RequestChecksumCalculation.WHEN_REQUIRED)) {
            camel.getRegistry().bind("testS3Client", client);

            Exchange sent = sendToS3("aws2-s3://" + s3.bucket() + "?amazonS3Client=#testS3Client", RESULT, Map.of());

            assertThat(sent.getException()).isNull();
            assertThat(s3.object(FILE_NAME)).isEqualTo(RESULT);
        }
    }

    /** Why the checksum setting: the SDK's default (WHEN_SUPPORTED) PutObject is refused by S3Proxy. */
    @Test
    void s3ProxyRefusesTheSdksTrailingChecksumsWithoutTheSetting() throws Exception {
        try (TestS3Server s3 = new TestS3Server(dir.resolve("s3"));
                S3Client client = sdkClient(s3, RequestChecksumCalculation.WHEN_SUPPORTED)) {
            S3Exception refused = catchThrowableOfType(S3Exception.class,
                    () -> client.putObject(b -> b.bucket(s3.bucket()).key(FILE_NAME), RequestBody.fromBytes(RESULT)));

            assertThat(refused).isNotNull();
            assertThat(refused.statusCode()).isEqualTo(501);
            assertThat(s3.keys()).isEmpty();
        }
    }

    /** The same through the Camel URI: without the system property the endpoint's own client is refused. */
    @Test
    void s3EndpointWithoutTheChecksumPropertyIsRefused() throws Exception {
        assumeTrue(System.getenv("AWS_REQUEST_CHECKSUM_CALCULATION") == null, "set in the environment");
        String relaxed = System.clearProperty(TestS3Server.CHECKSUM_PROPERTY);
        try (TestS3Server s3 = new TestS3Server(dir.resolve("s3"))) {
            Exchange refused = sendToS3(s3Uri(s3), RESULT, Map.of());

            assertThat(refused.getException()).isInstanceOf(S3Exception.class);
            assertThat(((S3Exception) refused.getException()).statusCode()).isEqualTo(501);
            assertThat(s3.keys()).isEmpty();
        } finally {
            System.setProperty(TestS3Server.CHECKSUM_PROPERTY, relaxed);
        }
    }

    private static S3Client sdkClient(TestS3Server s3, RequestChecksumCalculation checksums) {
        return S3Client.builder()
                .endpointOverride(URI.create(s3.endpoint()))
                .forcePathStyle(true)
                .region(Region.of(s3.region()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(s3.accessKey(), s3.secretKey())))
                .requestChecksumCalculation(checksums) // set here, it wins over the system property
                .build();
    }

    // ---------------------------------------------------------------------------------------- SMTP

    private Exchange sendMail(String uri, String subject) {
        return template.send(uri, exchange -> {
            exchange.getMessage().setBody("The results are attached.\nGrüße, huma-camel\n");
            exchange.getMessage().setHeader("Subject", subject);
            exchange.getMessage().setHeader(Exchange.FILE_NAME, FILE_NAME);
            AttachmentMessage message = exchange.getMessage(AttachmentMessage.class);
            message.addAttachment("x_visual.pdf", new DataHandler(new ByteArrayDataSource(PDF, "application/pdf")));
            message.addAttachment(FILE_NAME, new DataHandler(new ByteArrayDataSource(RESULT, "application/json")));
        });
    }

    @Test
    void smtpDeliversSubjectTextAndAttachmentsFailsWhileDownAndDeliversAgain() throws Exception {
        try (TestSmtpServer smtp = new TestSmtpServer(dir.resolve("smtp"))) {
            // without a charset Camel sends the text as UTF-8 but labels it plain "text/plain" (read as ASCII)
            String uri = "smtp://127.0.0.1:" + smtp.port() + "?from=huma@example.test&to=ops@example.test"
                    + "&contentType=text/plain;charset=UTF-8";

            assertThat(sendMail(uri, "Huma result x").getException()).isNull();
            await().atMost(Duration.ofSeconds(10)).until(() -> smtp.messages().size() == 1);
            TestSmtpServer.Mail mail = smtp.messages().get(0);
            assertThat(mail.subject()).isEqualTo("Huma result x");
            assertThat(mail.from()).containsExactly("huma@example.test");
            assertThat(mail.to()).containsExactly("ops@example.test");
            assertThat(mail.text()).isEqualToNormalizingNewlines("The results are attached.\nGrüße, huma-camel\n");
            assertThat(mail.attachments()).extracting(TestSmtpServer.Attachment::fileName)
                    .containsExactlyInAnyOrder("x_visual.pdf", FILE_NAME);
            assertThat(mail.attachment("x_visual.pdf").orElseThrow().bytes()).isEqualTo(PDF);
            assertThat(mail.attachment("x_visual.pdf").orElseThrow().contentType()).isEqualTo("application/pdf");
            assertThat(mail.attachment(FILE_NAME).orElseThrow().bytes()).isEqualTo(RESULT);

            smtp.stop();
            Exchange failed = sendMail(uri, "Huma result y");
            assertThat(failed.getException())
                    .isExactlyInstanceOf(MailConnectException.class)
                    .hasMessageContaining("Couldn't connect to host, port: 127.0.0.1, " + smtp.port())
                    .hasRootCauseExactlyInstanceOf(ConnectException.class);

            smtp.start();
            assertThat(sendMail(uri, "Huma result z").getException()).isNull();
            await().atMost(Duration.ofSeconds(10)).until(() -> smtp.messages().size() == 2);
            assertThat(smtp.messages()).extracting(TestSmtpServer.Mail::subject)
                    .containsExactly("Huma result x", "Huma result z");
            assertThat(smtp.messages().get(1).attachment("x_visual.pdf").orElseThrow().bytes()).isEqualTo(PDF);
        }
    }

    // ------------------------------------------------------------------------------------- helpers

    private Exchange send(String uri, byte[] body) {
        return template.send(uri, exchange -> {
            exchange.getMessage().setBody(body);
            exchange.getMessage().setHeader(Exchange.FILE_NAME, FILE_NAME);
        });
    }

    /** The file is there with exactly these bytes, and nothing else is in the folder (no temp file). */
    private static void assertDelivered(Path folder, String name, byte[] expected) throws IOException {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(folder.resolve(name)).exists();
            assertThat(Files.readAllBytes(folder.resolve(name))).isEqualTo(expected);
        });
        assertThat(list(folder)).containsExactly(name);
    }

    private static List<String> list(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static Throwable rootCause(Throwable t) {
        Throwable cause = t;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static byte[] pdfLike() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\r\n".getBytes(StandardCharsets.ISO_8859_1));
        for (int round = 0; round < 8; round++) {
            for (int b = 0; b < 256; b++) {
                out.write(b);
            }
        }
        out.writeBytes("\r\n%%EOF\n".getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    /** A stream that tells nothing about its length: no mark, no available(), not a file. */
    private static final class OneWayStream extends InputStream {
        private final byte[] data;
        private int position;

        OneWayStream(byte[] data) {
            this.data = data;
        }

        @Override
        public int read() {
            return position < data.length ? data[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (position >= data.length) {
                return -1;
            }
            int n = Math.min(length, Math.min(data.length - position, 8192));
            System.arraycopy(data, position, buffer, offset, n);
            position += n;
            return n;
        }
    }
}
