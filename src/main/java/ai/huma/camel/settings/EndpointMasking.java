package ai.huma.camel.settings;

import java.util.Locale;

import org.apache.camel.util.SensitiveUtils;

/**
 * An endpoint URI as it may be shown (the ready line): the password of {@code user:password@host}
 * and the value of every query parameter that Camel counts as sensitive ({@code password},
 * {@code secretKey}, {@code accessKey}, {@code passphrase}, {@code token}, ...) become
 * {@value #MASK}, {@code RAW(...)} values whole. Camel's own {@code URISupport.sanitizeUri} is not
 * used: it takes an {@code @} in the query ({@code to=ops@example.com}) for the end of a user-info
 * part and masks the host and query up to there.
 */
public final class EndpointMasking {

    static final String MASK = "xxxxxx";

    private EndpointMasking() {
    }

    public static String mask(String uri) {
        if (uri == null) {
            return null;
        }
        int query = uri.indexOf('?');
        String base = query < 0 ? uri : uri.substring(0, query);
        return maskUserInfo(base) + (query < 0 ? "" : "?" + maskQuery(uri.substring(query + 1)));
    }

    /** {@code scheme://user:password@host/...}: the password, looked for in the authority only. */
    private static String maskUserInfo(String base) {
        int authority = base.indexOf("://");
        if (authority < 0) {
            return base;
        }
        int start = authority + 3;
        int end = base.indexOf('/', start);
        String hostPart = end < 0 ? base.substring(start) : base.substring(start, end);
        int at = hostPart.lastIndexOf('@');
        int colon = at < 0 ? -1 : hostPart.indexOf(':');
        if (colon < 0 || colon > at) {
            return base;
        }
        return base.substring(0, start + colon + 1) + MASK + base.substring(start + at);
    }

    private static String maskQuery(String query) {
        StringBuilder masked = new StringBuilder();
        int i = 0;
        while (i <= query.length()) {
            int equals = query.indexOf('=', i);
            int amp = query.indexOf('&', i);
            if (equals < 0 || (amp >= 0 && amp < equals)) {
                // a parameter without a value
                int end = amp < 0 ? query.length() : amp;
                masked.append(query, i, end);
                if (amp < 0) {
                    break;
                }
                masked.append('&');
                i = amp + 1;
                continue;
            }
            String key = query.substring(i, equals);
            int end = valueEnd(query, equals + 1);
            masked.append(key).append('=');
            masked.append(isSensitive(key) ? MASK : query.substring(equals + 1, end));
            if (end >= query.length()) {
                break;
            }
            masked.append('&');
            i = end + 1;
        }
        return masked.toString();
    }

    /**
     * Where a value ends: at the next {@code &}, except in {@code RAW(...)} or {@code RAW{...}}, which
     * ends, as Camel reads it, at a closing bracket followed by {@code &} or the end (an unclosed one
     * runs to the end).
     */
    private static int valueEnd(String query, int start) {
        if (query.startsWith("RAW(", start) || query.startsWith("RAW{", start)) {
            char close = query.charAt(start + 3) == '(' ? ')' : '}';
            for (int i = start + 4; i < query.length(); i++) {
                if (query.charAt(i) == close && (i + 1 == query.length() || query.charAt(i + 1) == '&')) {
                    return i + 1;
                }
            }
            return query.length();
        }
        int amp = query.indexOf('&', start);
        return amp < 0 ? query.length() : amp;
    }

    private static boolean isSensitive(String key) {
        String name = key.strip();
        return SensitiveUtils.containsSensitive(name)
                || name.toLowerCase(Locale.ROOT).matches(".*(password|passphrase|secret|token|key|credential).*");
    }
}
