package ai.huma.camel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class BundleLocationsTest {

    @TempDir
    Path home;

    @Test
    void withoutFilesOfItsOwnTheHomeUsesTheBuiltInSettingsAndRoutes() {
        BundleLocations locations = of(Map.of("HUMA_HOME", home.toString()));

        assertThat(locations.propertiesLocations()).isEqualTo("classpath:application.properties");
        // the built-in routes by name (no classpath scan), as many as the project's routes/
        assertThat(locations.routesPattern().split(",")).contains("classpath:routes/webhooks.camel.yaml")
                .hasSize(Path.of("routes").toFile().list((dir, name) -> name.endsWith(".camel.yaml")).length)
                .allMatch(route -> route.matches("classpath:routes/[a-z-]+\\.camel\\.yaml"));
        assertThat(locations.problems()).isEmpty();
        assertThat(locations.describe()).isEqualTo("settings built in, routes built in");
    }

    @Test
    void itsPropertiesComeFirstSoThatTheyWinKeyByKeyAndItsRoutesReplaceTheBuiltInOnes() throws Exception {
        Files.writeString(home.resolve("application.properties"), "huma.port = 8080\n");
        Files.createDirectories(home.resolve("routes"));
        Files.writeString(home.resolve("routes").resolve("mine.camel.yaml"), "- route: {}\n");
        BundleLocations locations = of(Map.of("HUMA_HOME", home.toString()));

        assertThat(locations.propertiesLocations())
                .isEqualTo("file:" + home.resolve("application.properties") + ",classpath:application.properties");
        assertThat(locations.routesPattern()).isEqualTo("file:" + home.resolve("routes") + "/*.camel.yaml");
        assertThat(locations.problems()).isEmpty();
    }

    @Test
    void aRoutesFolderWithoutRoutesOrAHomeThatIsNoFolderIsAProblem() throws Exception {
        Files.createDirectories(home.resolve("routes"));
        Files.writeString(home.resolve("routes").resolve("README.txt"), "not a route");
        assertThat(of(Map.of("HUMA_HOME", home.toString())).problems()).singleElement().asString()
                .contains("holds no *.camel.yaml");

        assertThat(of(Map.of("HUMA_HOME", home.resolve("missing").toString())).problems()).singleElement().asString()
                .startsWith("HUMA_HOME is not a folder: ");
    }

    @Test
    void theBuiltInRoutesAreListedFromAJarToo() throws Exception {
        Path jar = home.resolve("bundle.jar");
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            for (String entry : List.of("routes/", "routes/b.camel.yaml", "routes/a.camel.yaml", "routes/notes.txt",
                    "routes/sub/c.camel.yaml", "other/d.camel.yaml")) {
                out.putNextEntry(new java.util.jar.JarEntry(entry));
                out.closeEntry();
            }
        }
        try (java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {jar.toUri().toURL()}, null)) {
            assertThat(BundleLocations.builtInRoutes(loader)).isEqualTo("classpath:routes/a.camel.yaml,classpath:routes/b.camel.yaml");
        }
        try (java.net.URLClassLoader empty = new java.net.URLClassLoader(new java.net.URL[0], null)) {
            assertThat(BundleLocations.builtInRoutes(empty)).isEqualTo("classpath:routes/*.camel.yaml");
        }
    }

    @Test
    void withoutHumaHomeItIsTheWorkingDirectory() {
        assertThat(of(Map.of()).home()).isEqualTo(Path.of("").toAbsolutePath());
        assertThat(of(Map.of("HUMA_HOME", " ")).home()).isEqualTo(Path.of("").toAbsolutePath());
    }

    private static BundleLocations of(Map<String, String> environment) {
        return BundleLocations.fromEnvironment(environment::get);
    }
}
