package ai.huma.camel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The library jar, ai.huma:huma-camel, as a host gets it (target/huma-camel-&lt;version&gt;.jar, made by
 * the shade plugin's library execution): the library's classes, routes and defaults, and nothing of
 * the standalone runtime or the simulator, nothing at the class-path root that a host also has, and
 * no class of it names a class it does not carry.
 */
class LibraryJarIT {

    @Test
    void theLibraryJarHoldsTheLibraryAndNothingOfTheRuntime() throws IOException {
        try (JarFile jar = new JarFile(libraryJar().toFile())) {
            List<String> names = jar.stream().map(JarEntry::getName).toList();

            assertThat(names).contains("ai/huma/camel/HumaCamelPlugin.class", "ai/huma/camel/application.properties",
                    "huma-camel/huma-beans.camel.yaml", "META-INF/services/org.apache.camel.spi.ContextServicePlugin");
            assertThat(names).noneMatch(name -> name.startsWith("ai/huma/camel/runtime/"))
                    .noneMatch(name -> name.startsWith("ai/huma/camel/simulator/"))
                    .noneMatch(name -> name.startsWith("camel/"));
            // at the class-path root, only the jar's own META-INF and the library's namespaced folders
            assertThat(names).filteredOn(name -> !name.contains("/"))
                    .as("files at the class-path root, where a host has its own").isEmpty();
            assertThat(names).filteredOn(name -> name.indexOf('/') == name.length() - 1)
                    .containsOnly("META-INF/", "ai/", "huma-camel/");

            List<String> strays = new ArrayList<>();
            for (JarEntry entry : jar.stream().filter(e -> e.getName().endsWith(".class")).toList()) {
                try (InputStream in = jar.getInputStream(entry)) {
                    // class names in a class file's constant pool are UTF-8 text such as ai/huma/camel/runtime/X
                    String text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                    if (text.contains("ai/huma/camel/runtime/") || text.contains("ai/huma/camel/simulator/")) {
                        strays.add(entry.getName());
                    }
                }
            }
            assertThat(strays).as("library classes that refer to the runtime or the simulator").isEmpty();
        }
    }

    @Test
    void theSimulatorJarHoldsTheSimulatedApiForAHostsTests() throws IOException {
        Path simulator = libraryJar().resolveSibling(libraryJar().getFileName().toString().replace(".jar", "-simulator.jar"));
        try (JarFile jar = new JarFile(simulator.toFile())) {
            assertThat(jar.stream().map(JarEntry::getName).filter(name -> name.endsWith(".class")))
                    .contains("ai/huma/camel/simulator/HumaSimulator.class", "ai/huma/camel/simulator/SimulatedWebhooks.class")
                    .allMatch(name -> name.startsWith("ai/huma/camel/simulator/"));
        }
    }

    private static Path libraryJar() throws IOException {
        try (var files = Files.list(Path.of("target"))) {
            return files.filter(file -> file.getFileName().toString().matches("huma-camel-[0-9][^/]*(?<!-simulator)\\.jar"))
                    .filter(file -> !file.getFileName().toString().startsWith("original-"))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no library jar in target/: run mvn package"));
        }
    }
}
