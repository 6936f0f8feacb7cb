package ai.huma.camel.settings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.apache.camel.spi.PropertiesFunction;

/**
 * The {@code dotenv} placeholder function: {@code {{dotenv:API_URL}}} takes the environment variable
 * and, when the environment does not set it, the same key from a {@code .env} file in the working
 * directory (or in the folder {@code HUMA_HOME} names), as the Python receiver's
 * {@code load_dotenv()} did. The environment always wins.
 * {@code {{dotenv:NAME:fallback}}} gives a fallback when neither has the key.
 * <p>
 * Camel finds this class through
 * {@code META-INF/services/org/apache/camel/properties-function/dotenv}.
 */
public class DotEnvPropertiesFunction implements PropertiesFunction {

    static final String NAME = "dotenv";
    /** The folder of the .env file (and, for the standalone jar, of its settings and routes). */
    public static final String HOME_VARIABLE = "HUMA_HOME";

    private final Function<String, String> environment;
    private final Path dotEnvFile;
    private volatile Map<String, String> dotEnv;

    public DotEnvPropertiesFunction() {
        this(System::getenv, home(System::getenv).resolve(".env"));
    }

    /** The folder named by {@value #HOME_VARIABLE}, else the working directory. */
    public static Path home(Function<String, String> environment) {
        String variable = environment.apply(HOME_VARIABLE);
        return variable != null && !variable.isBlank() ? Path.of(variable.strip()) : Path.of("");
    }

    DotEnvPropertiesFunction(Function<String, String> environment, Path dotEnvFile) {
        this.environment = environment;
        this.dotEnvFile = dotEnvFile;
    }

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public String apply(String remainder) {
        String key = remainder;
        String fallback = null;
        int colon = remainder.indexOf(':');
        if (colon >= 0) {
            key = remainder.substring(0, colon);
            fallback = remainder.substring(colon + 1);
        }
        key = key.trim();
        String value = environment.apply(key);
        if (value == null) {
            value = dotEnv().get(key);
        }
        return value != null ? value : fallback;
    }

    private Map<String, String> dotEnv() {
        Map<String, String> loaded = dotEnv;
        if (loaded == null) {
            loaded = Files.isRegularFile(dotEnvFile) ? parse(readLines(dotEnvFile)) : Map.of();
            dotEnv = loaded;
        }
        return loaded;
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            // the message names the file only: its content may hold secrets
            throw new UncheckedIOException("Cannot read " + file.toAbsolutePath(), e);
        }
    }

    /**
     * Read by hand because the seed's files are python-dotenv files: dotenv-java (tried) refuses
     * {@code export} lines and keeps inline comments and single quotes. The subset of the dotenv
     * format that the seed's {@code .env} files use: {@code KEY=value}
     * lines, an optional {@code export } prefix, {@code #} comments, values in single or double
     * quotes.
     */
    static Map<String, String> parse(List<String> lines) {
        Map<String, String> values = new HashMap<>();
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring("export ".length()).strip();
            }
            int equals = line.indexOf('=');
            if (equals <= 0) {
                continue;
            }
            String key = line.substring(0, equals).strip();
            values.put(key, unquote(line.substring(equals + 1).strip()));
        }
        return values;
    }

    private static String unquote(String value) {
        if (!value.isEmpty() && (value.charAt(0) == '"' || value.charAt(0) == '\'')) {
            int closing = value.indexOf(value.charAt(0), 1);
            if (closing > 0) {
                // whatever follows the closing quote is a comment or blank
                return value.substring(1, closing);
            }
        }
        int comment = value.indexOf(" #");
        return comment >= 0 ? value.substring(0, comment).strip() : value;
    }
}
