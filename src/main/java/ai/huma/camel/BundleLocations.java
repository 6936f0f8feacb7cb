package ai.huma.camel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Where the bundle reads its settings and its routes. Both are built into the jar (copied from the
 * project's top-level {@code application.properties} and {@code routes/} at build time), so the jar
 * runs from any folder. The home folder ({@value #HOME_VARIABLE}, else the working directory) may
 * change them:
 * <ul>
 * <li>{@code <home>/application.properties} overrides the built-in properties key by key (a key it
 * does not name keeps its built-in value); an environment variable overrides both;</li>
 * <li>{@code <home>/routes/}, when it exists, replaces the built-in routes as a whole: its
 * {@code *.camel.yaml} are the routes, none of the built-in ones is loaded;</li>
 * <li>{@code <home>/.env} is the {@code .env} file of the {@code {{dotenv:NAME}}} placeholders.</li>
 * </ul>
 * Relative folders in the settings ({@code huma.output.dir}, {@code huma.data.dir}) stay relative
 * to the working directory.
 */
final class BundleLocations {

    static final String HOME_VARIABLE = "HUMA_HOME";
    static final String BUILT_IN_PROPERTIES = "classpath:application.properties";
    static final String BUILT_IN_ROUTES = "classpath:routes/*.camel.yaml";

    private final Path home;
    private final boolean homeFromVariable;

    private BundleLocations(Path home, boolean homeFromVariable) {
        this.home = home.toAbsolutePath().normalize();
        this.homeFromVariable = homeFromVariable;
    }

    static BundleLocations fromEnvironment(Function<String, String> environment) {
        return new BundleLocations(home(environment), isSet(environment.apply(HOME_VARIABLE)));
    }

    /** {@value #HOME_VARIABLE}, else the working directory. */
    static Path home(Function<String, String> environment) {
        String variable = environment.apply(HOME_VARIABLE);
        return isSet(variable) ? Path.of(variable.strip()) : Path.of("");
    }

    Path home() {
        return home;
    }

    Path propertiesFile() {
        return home.resolve("application.properties");
    }

    Path routesFolder() {
        return home.resolve("routes");
    }

    boolean hasOwnProperties() {
        return Files.isRegularFile(propertiesFile());
    }

    boolean hasOwnRoutes() {
        return Files.isDirectory(routesFolder());
    }

    /**
     * The properties locations for Camel Main. Camel looks a key up in the locations in their order and
     * takes the first value it finds, so the home folder's file comes first: it overrides key by key.
     */
    String propertiesLocations() {
        return hasOwnProperties() ? "file:" + propertiesFile() + "," + BUILT_IN_PROPERTIES : BUILT_IN_PROPERTIES;
    }

    /** The routes for {@code camel.main.routes-include-pattern} (property {@code huma.routes}). */
    String routesPattern() {
        return hasOwnRoutes() ? "file:" + routesFolder() + "/*.camel.yaml" : builtInRoutes(BundleLocations.class.getClassLoader());
    }

    /**
     * The built-in routes by name ({@code classpath:routes/a.camel.yaml,classpath:routes/b.camel.yaml,...}):
     * Camel reads a {@code classpath:} wildcard by streaming through the whole jar, which took about
     * 3 s of CPU in the 57 MB fat jar, while its table of contents lists them at once. The wildcard
     * is the fallback when the routes folder cannot be listed.
     */
    static String builtInRoutes(ClassLoader loader) {
        URL folder = loader.getResource("routes/");
        List<String> names = new ArrayList<>();
        try {
            if (folder != null && folder.getProtocol().equals("jar")) {
                JarURLConnection connection = (JarURLConnection) folder.openConnection();
                connection.setUseCaches(false); // a JarFile of our own, closed below; the class loader's stays open
                try (JarFile jar = connection.getJarFile()) {
                    jar.stream().map(JarEntry::getName)
                            .filter(name -> name.startsWith("routes/") && name.indexOf('/', "routes/".length()) < 0)
                            .map(name -> name.substring("routes/".length()))
                            .forEach(names::add);
                }
            } else if (folder != null && folder.getProtocol().equals("file")) {
                try (Stream<Path> files = Files.list(Path.of(folder.toURI()))) {
                    files.map(file -> file.getFileName().toString()).forEach(names::add);
                }
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            return BUILT_IN_ROUTES;
        }
        List<String> routes = names.stream().filter(name -> name.endsWith(".camel.yaml")).sorted()
                .map(name -> "classpath:routes/" + name).toList();
        return routes.isEmpty() ? BUILT_IN_ROUTES : String.join(",", routes);
    }

    /** What is wrong with these locations; empty when nothing is. */
    List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (homeFromVariable && !Files.isDirectory(home)) {
            problems.add(HOME_VARIABLE + " is not a folder: " + home);
        } else if (hasOwnRoutes() && routeFiles().isEmpty()) {
            problems.add(routesFolder() + " holds no *.camel.yaml: a routes/ folder replaces the built-in routes as a whole"
                    + " (remove it to run the built-in ones)");
        }
        return problems;
    }

    /** One line for the log: where the settings and routes come from. */
    String describe() {
        return "settings built in" + (hasOwnProperties() ? " + " + propertiesFile() : "")
                + ", routes " + (hasOwnRoutes() ? "from " + routesFolder() + " (instead of the built-in ones)" : "built in");
    }

    private List<Path> routeFiles() {
        try (Stream<Path> files = Files.list(routesFolder())) {
            return files.filter(file -> file.getFileName().toString().endsWith(".camel.yaml")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + routesFolder(), e);
        }
    }

    private static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }
}
