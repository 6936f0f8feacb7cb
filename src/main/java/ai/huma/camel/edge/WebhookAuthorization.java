package ai.huma.camel.edge;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.Predicate;

/**
 * Checks the {@code Authorization: <scheme> <token>} header of a Huma webhook against the callback
 * secret(s) typed into Huma's Developer Settings ({@code API_CALLBACK_AUTH}).
 * <p>
 * Several secrets may be configured, comma-separated, so a secret can be rotated without downtime.
 * Tokens are compared as SHA-256 digests with {@link MessageDigest#isEqual}, against every configured
 * secret, so neither the length nor the content of a secret leaks through timing. No token ever
 * appears in a message of this class.
 */
public class WebhookAuthorization implements Predicate {

    private List<byte[]> secretDigests = List.of();

    public WebhookAuthorization() {
    }

    public WebhookAuthorization(String secrets) {
        setSecrets(secrets);
    }

    /** The callback secret(s), comma-separated (API_CALLBACK_AUTH). */
    public void setSecrets(String secrets) {
        if (secrets == null || secrets.isBlank()) {
            throw new IllegalArgumentException("API_CALLBACK_AUTH is not set: refusing to start a webhook receiver "
                    + "that would accept anyone. Set it (the secret typed into Huma's Developer Settings > Webhooks) "
                    + "in the environment or in a .env file in the working directory.");
        }
        this.secretDigests = Arrays.stream(secrets.split(","))
                .map(String::strip)
                .filter(secret -> !secret.isEmpty())
                .map(WebhookAuthorization::digest)
                .toList();
        if (secretDigests.isEmpty()) {
            throw new IllegalArgumentException("API_CALLBACK_AUTH holds no secret, only commas and blanks.");
        }
    }

    /** The number of secrets accepted at once (more than one while a secret is being rotated). */
    public int secretCount() {
        return secretDigests.size();
    }

    public boolean isAuthorized(@Header("Authorization") String authorization) {
        String token = tokenOf(authorization);
        if (token == null) {
            return false;
        }
        byte[] presented = digest(token);
        boolean match = false;
        for (byte[] secret : secretDigests) {
            // no early exit: every secret is compared on every call
            match |= MessageDigest.isEqual(presented, secret);
        }
        return match;
    }

    /**
     * As a Camel predicate (the edge's {@code filter: ref: webhookAuthorization}), it matches the
     * webhooks it refuses: a direct call, without the copy of the exchange a bean call makes.
     */
    @Override
    public boolean matches(Exchange exchange) {
        return !isAuthorized(exchange.getMessage().getHeader("Authorization", String.class))
                && Refusal.refuse(exchange, 401, "Unauthorized", "missing or wrong Authorization header");
    }

    /** The token of {@code <scheme> <token>}, or null when the header does not have that shape. */
    static String tokenOf(String authorization) {
        if (authorization == null) {
            return null;
        }
        // as split("\\s+") on the stripped header would, without a regular expression per webhook
        String header = authorization.strip();
        int end = 0;
        while (end < header.length() && !isSeparator(header.charAt(end))) {
            end++;
        }
        int start = end;
        while (start < header.length() && isSeparator(header.charAt(start))) {
            start++;
        }
        if (end == 0 || start == end || start == header.length()) {
            return null;
        }
        for (int i = start; i < header.length(); i++) {
            if (isSeparator(header.charAt(i))) {
                return null;
            }
        }
        return header.substring(start);
    }

    /** The white space of {@code \\s}: space, tab, line feed, vertical tab, form feed, carriage return. */
    private static boolean isSeparator(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    private static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
