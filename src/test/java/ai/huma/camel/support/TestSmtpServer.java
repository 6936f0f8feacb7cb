package ai.huma.camel.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;

/**
 * A real SMTP server (GreenMail) on a free loopback port that accepts mail for any address, without
 * authentication. What it received is read back with {@link #messages()}: subject, text body and the
 * attachments with their file names and decoded bytes; each message is also kept as an .eml file in
 * the folder given. {@link #stop()} takes it down, {@link #start()} brings it back on the same port;
 * the messages received before a stop stay in {@link #messages()}.
 */
public final class TestSmtpServer implements AutoCloseable {

    /** One attachment: its file name, MIME type (without parameters) and decoded bytes. */
    public record Attachment(String fileName, String contentType, byte[] bytes) {
    }

    /** One received message, parsed once when it was collected. */
    public record Mail(String subject, List<String> from, List<String> to, String text,
            List<Attachment> attachments) {

        public Optional<Attachment> attachment(String fileName) {
            return attachments.stream().filter(a -> fileName.equals(a.fileName())).findFirst();
        }
    }

    private final Path folder;
    private final int port;
    private final List<Mail> received = new ArrayList<>();
    private GreenMail server;
    /** How many of the running server's messages are already in {@link #received}. */
    private int collected;

    /** Keeps received messages as .eml files in {@code folder}, created if missing. */
    public TestSmtpServer(Path folder) {
        try {
            this.folder = Files.createDirectories(folder).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.port = TestPorts.free();
        start();
    }

    /** Starts the server (again) on {@link #port()}; does nothing if it is running. */
    public synchronized void start() {
        if (server != null) {
            return;
        }
        GreenMail greenMail = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        greenMail.start(); // returns once the server accepts connections
        server = greenMail;
        collected = 0;
    }

    /** Takes the server down: the port refuses connections. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            collect();
            server.stop();
        } finally {
            server = null;
        }
    }

    public synchronized boolean isRunning() {
        return server != null && server.isRunning();
    }

    /** Every message received so far, in order of arrival, across restarts. */
    public synchronized List<Mail> messages() {
        collect();
        return List.copyOf(received);
    }

    private void collect() {
        if (server == null) {
            return;
        }
        MimeMessage[] messages = server.getReceivedMessages();
        for (int i = collected; i < messages.length; i++) {
            try {
                received.add(parse(messages[i]));
                try (OutputStream out = Files.newOutputStream(folder.resolve(received.size() + ".eml"))) {
                    messages[i].writeTo(out);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (MessagingException e) {
                throw new IllegalStateException("unreadable message", e);
            }
        }
        collected = messages.length;
    }

    private static Mail parse(MimeMessage message) throws MessagingException, IOException {
        StringBuilder text = new StringBuilder();
        List<Attachment> attachments = new ArrayList<>();
        walk(message, text, attachments);
        return new Mail(message.getSubject(), addresses(message.getFrom()),
                addresses(message.getRecipients(Message.RecipientType.TO)), text.toString(),
                List.copyOf(attachments));
    }

    private static void walk(Part part, StringBuilder text, List<Attachment> attachments)
            throws MessagingException, IOException {
        if (part.isMimeType("multipart/*")) {
            Multipart multipart = (Multipart) part.getContent();
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart child = multipart.getBodyPart(i);
                walk(child, text, attachments);
            }
        } else if (part.getFileName() != null || Part.ATTACHMENT.equalsIgnoreCase(part.getDisposition())) {
            try (InputStream in = part.getInputStream()) {
                attachments.add(new Attachment(part.getFileName(), baseType(part.getContentType()), in.readAllBytes()));
            }
        } else if (part.isMimeType("text/*")) {
            text.append(part.getContent());
        }
    }

    private static String baseType(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase();
    }

    private static List<String> addresses(Address[] addresses) {
        return addresses == null ? List.of() : Arrays.stream(addresses).map(Address::toString).toList();
    }

    public int port() {
        return port;
    }

    /** Where the received messages are kept as .eml files. */
    public Path folder() {
        return folder;
    }

    @Override
    public void close() {
        stop();
    }
}
