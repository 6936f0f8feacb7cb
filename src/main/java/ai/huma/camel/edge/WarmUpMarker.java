package ai.huma.camel.edge;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

import org.apache.camel.Exchange;
import org.apache.camel.Predicate;

/**
 * The mark of the standalone jar's start-up warm-up (bean {@code humaWarmUp}): a cold JVM answers its
 * first webhooks slowly, so the jar sends itself a few webhooks through every check of the edge
 * before it says it is ready (ai.huma.camel.runtime.EdgeWarmUp). Each carries the header
 * {@value #HEADER} with a random value made when this bean is, known to this process only; the edge
 * recognises it after all its checks ({@code filter: ref: humaWarmUp}) and answers 200 without
 * queueing. In a host nobody sends the header, and nothing of this is used.
 * <p>
 * It also holds whether the edge is warm ({@link #isWarm()}): true unless a warm-up was announced
 * ({@link #warmingUp()}) and has not finished ({@link #warm()}); the edge's readiness reports it.
 */
public class WarmUpMarker implements Predicate {

    public static final String HEADER = "Huma-Warm-Up";

    private final String nonce;
    private volatile boolean warm = true;

    public WarmUpMarker() {
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        nonce = HexFormat.of().formatHex(random);
    }

    /** The header value of this process's warm-up webhooks. */
    public String value() {
        return nonce;
    }

    /** True for the header value of this process's warm-up (compared in constant time). */
    public boolean isWarmUp(String value) {
        return value != null && MessageDigest.isEqual(value.getBytes(StandardCharsets.US_ASCII),
                nonce.getBytes(StandardCharsets.US_ASCII));
    }

    /** As a Camel predicate (the edge's {@code filter: ref: humaWarmUp}): a webhook of the warm-up. */
    @Override
    public boolean matches(Exchange exchange) {
        return isWarmUp(exchange.getMessage().getHeader(HEADER, String.class));
    }

    /** A warm-up is coming: the edge is not warm until {@link #warm()}. */
    public void warmingUp() {
        warm = false;
    }

    /** The warm-up is over (or none runs). */
    public void warm() {
        warm = true;
    }

    public boolean isWarm() {
        return warm;
    }
}
