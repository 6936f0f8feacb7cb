package ai.huma.camel.bench;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordingFile;

/**
 * The hot methods of a JFR recording (Java 17's {@code jfr} tool has no {@code view hot-methods}):
 * jdk.ExecutionSample events between two instants, aggregated by top frame (self), by first frame
 * outside the JDK, and the bundle's own methods by every sample they are on the stack of (total);
 * then the CPU by thread and the GC pauses of that window, as markdown. Usage: {@code JfrTop <file.jfr> <fromEpochMs> <toEpochMs> [top]}.
 */
public final class JfrTop {

    public static void main(String[] args) throws Exception {
        Instant from = Instant.ofEpochMilli(Long.parseLong(args[1]));
        Instant to = Instant.ofEpochMilli(Long.parseLong(args[2]));
        int top = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> firstNonJdk = new HashMap<>();
        Map<String, Integer> total = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        // jdk.ThreadCPULoad comes for every thread at once, every few seconds: CPU by thread name, per round
        Map<Instant, Map<String, Double>> cpuRounds = new HashMap<>();
        int samples = 0;
        int collections = 0;
        double pausesMs = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(Path.of(args[0]))) {
            if ("jdk.ThreadCPULoad".equals(event.getEventType().getName())
                    && !event.getStartTime().isBefore(from) && !event.getStartTime().isAfter(to.plusSeconds(1))) {
                var thread = event.getThread();
                String name = thread == null || thread.getJavaName() == null ? String.valueOf(thread == null ? "?" : thread.getOSName())
                        : thread.getJavaName();
                cpuRounds.computeIfAbsent(event.getStartTime().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), t -> new HashMap<>())
                        .merge(name.replaceAll("[0-9]+", "N"), 100.0 * (event.getFloat("user") + event.getFloat("system")), Double::sum);
                continue;
            }
            if ("jdk.GarbageCollection".equals(event.getEventType().getName())
                    && !event.getStartTime().isBefore(from) && !event.getStartTime().isAfter(to)) {
                collections++;
                pausesMs += event.getDuration("sumOfPauses").toNanos() / 1e6;
                continue;
            }
            if (!"jdk.ExecutionSample".equals(event.getEventType().getName())
                    || event.getStartTime().isBefore(from) || event.getStartTime().isAfter(to)
                    || event.getStackTrace() == null) {
                continue;
            }
            samples++;
            List<RecordedFrame> frames = event.getStackTrace().getFrames();
            if (!frames.isEmpty()) {
                self.merge(name(frames.get(0)), 1, Integer::sum);
            }
            frames.stream().map(JfrTop::name).filter(name -> !isJdk(name)).findFirst()
                    .ifPresent(name -> firstNonJdk.merge(name, 1, Integer::sum));
            Set<String> seen = new HashSet<>();
            for (RecordedFrame frame : frames) {
                if (name(frame).startsWith("ai.huma.") && seen.add(name(frame))) {
                    total.merge(name(frame), 1, Integer::sum);
                }
            }
            var thread = event.getThread("sampledThread");
            String threadName = thread == null || thread.getJavaName() == null ? "?" : thread.getJavaName().replaceAll("[0-9]+", "N");
            threads.merge(threadName, 1, Integer::sum);
        }
        System.out.println("jdk.ExecutionSample events in the load window: " + samples
                + " (the stack traces are truncated at JFR's stack depth, 64 by default); GC: " + collections
                + " collections, " + Math.round(pausesMs) + " ms of pauses in the window");
        print("Top frames (self)", self, samples, top);
        print("Top frames outside the JDK (a JDK frame counts for its caller)", firstNonJdk, samples, top);
        print("The bundle's own methods on the stack (total)", total, samples, 10);
        print("Threads of the samples", threads, samples, 8);
        if (!cpuRounds.isEmpty()) {
            Map<String, Double> cpu = new HashMap<>();
            cpuRounds.values().forEach(round -> round.forEach((name, load) -> cpu.merge(name, load / cpuRounds.size(), Double::sum)));
            System.out.println();
            System.out.println("CPU by thread (jdk.ThreadCPULoad, % of the whole machine, mean of " + cpuRounds.size()
                    + " readings; JIT compiler and GC threads show here, not in the samples above)");
            System.out.println();
            System.out.println("| thread | CPU % |");
            System.out.println("|---|---:|");
            cpu.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(10)
                    .forEach(e -> System.out.printf("| `%s` | %.1f |%n", e.getKey(), e.getValue()));
        }
    }

    private static boolean isJdk(String name) {
        return name.startsWith("java.") || name.startsWith("jdk.") || name.startsWith("sun.") || name.startsWith("com.sun.");
    }

    private static String name(RecordedFrame frame) {
        RecordedMethod method = frame.getMethod();
        return (method.getType().getName() + "." + method.getName()).replaceAll("\\$\\$Lambda\\$[^.]*(\\.[0-9]+)?", "\\$\\$Lambda");
    }

    private static void print(String title, Map<String, Integer> counts, int samples, int top) {
        System.out.println();
        System.out.println("| " + title + " | samples | % |");
        System.out.println("|---|---:|---:|");
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(top)
                .forEach(e -> System.out.printf("| `%s` | %d | %.1f |%n", e.getKey(), e.getValue(),
                        100.0 * e.getValue() / Math.max(1, samples)));
    }
}
