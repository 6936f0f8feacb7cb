package ai.huma.camel.edge;

import ai.huma.camel.settings.SafeText;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Predicate;

/**
 * The optional allow-list of webhook sources ({@code huma.callback.allowed-sources}): IP addresses
 * and CIDR blocks, IPv4 or IPv6, comma-separated. Empty means every source may call (the default);
 * the token check applies either way. It sees the direct peer of the connection, as the HTTP engine
 * gives it ({@link ClientAddress}): behind a reverse proxy, list the proxy. When the engine gives no
 * address at all, a set allow-list refuses.
 */
public class SourceAllowList implements Predicate {

    private record Block(byte[] network, int prefixBits) {

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int fullBytes = prefixBits / 8;
            for (int i = 0; i < fullBytes; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int restBits = prefixBits % 8;
            if (restBits == 0) {
                return true;
            }
            int mask = 0xFF << (8 - restBits) & 0xFF;
            return (address[fullBytes] & mask) == (network[fullBytes] & mask);
        }
    }

    private final List<Block> blocks = new ArrayList<>();

    public SourceAllowList() {
    }

    public SourceAllowList(String allowedSources) {
        setAllowedSources(allowedSources);
    }

    /** IP addresses and CIDR blocks, comma-separated; empty: every source. */
    public void setAllowedSources(String allowedSources) {
        blocks.clear();
        if (allowedSources == null) {
            return;
        }
        for (String entry : allowedSources.split(",")) {
            String source = entry.strip();
            if (!source.isEmpty()) {
                blocks.add(parse(source));
            }
        }
    }

    /** The exchange property in which a refused webhook's address is kept, for the log. */
    public static final String REFUSED_ADDRESS = "humaClientAddress";

    /** True when no allow-list is set, or the remote address ({@code host:port}) is on it. */
    public boolean isAllowed(String remoteAddress) {
        if (blocks.isEmpty()) {
            return true;
        }
        byte[] address = addressOf(remoteAddress);
        return address != null && blocks.stream().anyMatch(block -> block.contains(address));
    }

    /** True when an allow-list is set. */
    public boolean isSet() {
        return !blocks.isEmpty();
    }

    /**
     * As a Camel predicate (the edge's {@code filter: ref: humaSourceAllowList}), it matches the
     * webhooks whose source it refuses, and keeps their address in {@value #REFUSED_ADDRESS}.
     */
    @Override
    public boolean matches(Exchange exchange) {
        if (blocks.isEmpty()) {
            return false;
        }
        String address = ClientAddress.of(exchange.getMessage());
        if (isAllowed(address)) {
            return false;
        }
        exchange.setProperty(REFUSED_ADDRESS, address == null ? "an address the HTTP server does not give" : address);
        return Refusal.refuse(exchange, 403, "Forbidden", "not in huma.callback.allowed-sources");
    }

    private static Block parse(String source) {
        String[] parts = source.split("/", 2);
        byte[] network = literal(parts[0]);
        if (network == null) {
            throw new IllegalArgumentException("huma.callback.allowed-sources: not an IP address or CIDR block: " + SafeText.quoted(source));
        }
        int bits = network.length * 8;
        int prefix = bits;
        if (parts.length == 2) {
            try {
                prefix = Integer.parseInt(parts[1].strip());
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("huma.callback.allowed-sources: bad prefix length in " + SafeText.quoted(source));
            }
        }
        return new Block(network, prefix);
    }

    /** The address part of {@code 1.2.3.4:5678} or {@code [::1]:5678}, or null. */
    static byte[] addressOf(String remoteAddress) {
        if (remoteAddress == null || remoteAddress.isBlank()) {
            return null;
        }
        String host = remoteAddress.strip();
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            host = end > 0 ? host.substring(1, end) : host;
        } else if (host.indexOf(':') == host.lastIndexOf(':') && host.indexOf(':') > 0) {
            host = host.substring(0, host.indexOf(':'));
        }
        return literal(host);
    }

    /** The bytes of an IP literal; never a DNS look-up. */
    private static byte[] literal(String host) {
        String value = host.strip();
        boolean ipv4 = value.matches("\\d{1,3}(\\.\\d{1,3}){3}")
                && java.util.Arrays.stream(value.split("\\.")).allMatch(octet -> Integer.parseInt(octet) <= 255);
        boolean ipv6 = value.contains(":") && value.matches("[0-9A-Fa-f:.%a-zA-Z0-9]+");
        if (!ipv4 && !ipv6) {
            return null;
        }
        try {
            return InetAddress.getByName(value).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
