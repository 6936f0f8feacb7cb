package ai.huma.camel.deliver;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import ai.huma.camel.support.TestFtpServer;
import ai.huma.camel.support.TestS3Server;
import ai.huma.camel.support.TestSftpServer;
import ai.huma.camel.support.TestSmtpServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.support.service.ServiceHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Results delivered, by properties alone, to real servers started in the test JVM: the questions to
 * a folder AND an SFTP server at once, the subscriptions to FTP, the visuals to S3 and by mail. Each
 * file keeps its name (the S3 key too); a mail carries the whole result as attachments. A
 * destination that is down is retried until it is back, or dead-lettered and replayed.
 */
// one bundle per test: each test starts the destination servers afresh, and some stop them
@TestInstance(TestInstance.Lifecycle.PER_METHOD)
class OutputDestinationsTest extends HumaRoutesTestSupport {

    private static final String PDF = "%PDF-1.4 visual \u00e9\n";
    private final ObjectMapper json = new ObjectMapper();
    private TestSftpServer sftp;
    private TestFtpServer ftp;
    private TestS3Server s3;
    private TestSmtpServer smtp;
    private final AtomicInteger redeliveries = new AtomicInteger();

    @Override
    protected Properties extraProperties() {
        TestS3Server.relaxSdkChecksums();
        sftp = new TestSftpServer(workDir.resolve("sftp"));
        ftp = new TestFtpServer(workDir.resolve("ftp"));
        s3 = new TestS3Server(workDir.resolve("s3"));
        smtp = new TestSmtpServer(workDir.resolve("mail"));
        String folder = "file:" + outputDir + "?tempFileName=.${exchangeId}.part";
        String sftpUri = "sftp://" + TestSftpServer.USER + "@127.0.0.1:" + sftp.port() + "/results?password="
                + TestSftpServer.PASSWORD + "&knownHostsFile=" + sftp.knownHostsFile() + "&strictHostKeyChecking=yes"
                + "&useUserKnownHostsFile=false&tempFileName=.${exchangeId}.part&maximumReconnectAttempts=0";
        String ftpUri = "ftp://" + TestFtpServer.USER + "@127.0.0.1:" + ftp.port() + "/results?password="
                + TestFtpServer.PASSWORD + "&passiveMode=true&binary=true&tempFileName=.$simple{exchangeId}.part&maximumReconnectAttempts=0";
        String s3Uri = "aws2-s3://" + TestS3Server.BUCKET + "?uriEndpointOverride=" + s3.endpoint()
                + "&overrideEndpoint=true&forcePathStyle=true&region=" + TestS3Server.REGION
                + "&accessKey=" + TestS3Server.ACCESS_KEY + "&secretKey=RAW(" + TestS3Server.SECRET_KEY + ")";
        String mailUri = "smtp://127.0.0.1:" + smtp.port() + "?from=huma@example.test&to=ops@example.test,audit@example.test";
        return properties(
                "huma.output.question.uri", folder + "," + sftpUri,
                "huma.output.subscription.uri", ftpUri,
                "huma.output.history.uri", s3Uri + ", " + mailUri,
                "huma.retry.initial-delay", "300",
                "huma.retry.backoff-multiplier", "1",
                "huma.retry.max-redeliveries", "6");
    }

    @Override
    protected void doPostSetup() throws Exception {
        super.doPostSetup();
        EventNotifierSupport counter = new EventNotifierSupport() {
            @Override
            public boolean isEnabled(CamelEvent event) {
                return event.getType() == CamelEvent.Type.ExchangeRedelivery;
            }

            @Override
            public void notify(CamelEvent event) {
                redeliveries.incrementAndGet();
            }
        };
        context.getManagementStrategy().addEventNotifier(counter);
        ServiceHelper.startService(counter);
    }

    @AfterEach
    void stopServers() {
        for (AutoCloseable server : new AutoCloseable[] {sftp, ftp, s3, smtp}) {
            try {
                if (server != null) {
                    server.close();
                }
            } catch (Exception e) {
                // stopped already
            }
        }
    }

    @Test
    void aQuestionGoesToTheFolderAndToSftpUnderItsName() throws Exception {
        HUMA.question("t1", 150);

        webhook(SimulatedWebhooks.question("t1", "Sales 2023"));

        Path local = awaitOutput("Sales_2023_result.json");
        Path remote = sftp.root().resolve("results").resolve("Sales_2023_result.json");
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.isRegularFile(remote));
        assertThat(Files.readAllBytes(remote)).isEqualTo(Files.readAllBytes(local));
        assertThat(json.readTree(remote.toFile()).at("/answer/data").size()).isEqualTo(150);
        assertThat(Files.list(remote.getParent()).map(p -> p.getFileName().toString())).containsExactly("Sales_2023_result.json");
    }

    @Test
    void aSubscriptionGoesToFtp() throws Exception {
        HUMA.subscription("s1", 120);

        webhook(SimulatedWebhooks.subscription("s1"));

        Path remote = ftp.root().resolve("results").resolve("s1_result.json");
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.isRegularFile(remote));
        assertThat(json.readTree(remote.toFile()).at("/subscriptions/data").size()).isEqualTo(120);
        assertThat(outputFiles()).as("only the configured destination").isEmpty();
    }

    @Test
    void aVisualGoesToS3UnderItsKeysAndByMailAsOneMessageWithBothFiles() throws Exception {
        byte[] pdf = PDF.getBytes(StandardCharsets.UTF_8);
        HUMA.visual("v1", "pdf", pdf);

        webhook(SimulatedWebhooks.history("v1"));

        await().atMost(Duration.ofSeconds(20)).until(() -> smtp.messages().size() == 2);
        assertThat(s3.keys()).containsExactlyInAnyOrder("v1.pdf", "v1_result.json");
        assertThat(s3.object("v1.pdf")).isEqualTo(pdf);
        JsonNode result = json.readTree(s3.object("v1_result.json"));
        assertThat(result.get("file_type").asText()).isEqualTo("pdf");
        // one message (to both recipients), the whole result attached
        TestSmtpServer.Mail mail = smtp.messages().get(0);
        assertThat(mail.subject()).isEqualTo("Huma Histories/Visualized v1");
        assertThat(mail.to()).containsExactlyInAnyOrder("ops@example.test", "audit@example.test");
        assertThat(mail.text()).contains("v1.pdf").contains("v1_result.json");
        assertThat(mail.attachments()).extracting(TestSmtpServer.Attachment::fileName)
                .containsExactly("v1.pdf", "v1_result.json");
        assertThat(mail.attachment("v1.pdf").orElseThrow().bytes()).isEqualTo(pdf);
        assertThat(json.readTree(mail.attachment("v1_result.json").orElseThrow().bytes())).isEqualTo(result);
    }

    @Test
    void aDestinationThatIsDownIsRetriedUntilItIsBack() throws Exception {
        HUMA.question("t1", 5);
        sftp.stop();

        webhook(SimulatedWebhooks.question("t1", "later"));

        await().atMost(Duration.ofSeconds(10)).until(() -> redeliveries.get() >= 2);
        assertThat(Files.exists(sftp.root().resolve("results").resolve("later_result.json"))).isFalse();
        sftp.start();
        Path remote = sftp.root().resolve("results").resolve("later_result.json");
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.isRegularFile(remote));
        assertThat(deadLetterFiles()).isEmpty();
    }

    @Test
    void aDestinationDownForGoodMakesADeadLetterThatIsReplayedOnceItIsBack() throws Exception {
        byte[] pdf = PDF.getBytes(StandardCharsets.UTF_8);
        HUMA.visual("v2", "pdf", pdf);
        smtp.stop();

        webhook(SimulatedWebhooks.history("v2"));

        await().atMost(Duration.ofSeconds(30)).until(() -> deadLetterFiles().size() == 1);
        JsonNode record = json.readTree(deadLetterFiles().get(0).toFile());
        assertThat(record.get("attempts").asInt()).isEqualTo(7);
        assertThat(record.get("reason").asText()).doesNotContain(TestS3Server.SECRET_KEY);
        assertThat(s3.keys()).as("S3 took it before the mail failed: no result counts as written yet")
                .containsExactlyInAnyOrder("v2.pdf", "v2_result.json");

        smtp.start();
        Path deadLetter = deadLetterFiles().get(0);
        Files.move(deadLetter, Files.createDirectories(dataDir.resolve("replay")).resolve(deadLetter.getFileName()));
        // one mail, to its two recipients
        await().atMost(Duration.ofSeconds(20)).until(() -> smtp.messages().size() == 2);
        assertThat(smtp.messages()).allSatisfy(mail -> assertThat(mail.attachment("v2.pdf").orElseThrow().bytes()).isEqualTo(pdf));
        assertThat(deadLetterFiles()).isEmpty();
    }
}
