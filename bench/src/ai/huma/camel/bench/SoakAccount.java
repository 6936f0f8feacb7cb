package ai.huma.camel.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The soak's accounting (bench/soak.sh): every ticket SoakClient got a 200 for must end as a complete
 * result file (every record of SoakHumaApi's answer, rows 1..n in order, of that ticket) or as a
 * readable dead letter holding its payload; anything else is LOST.
 * <p>
 * Usage: {@code SoakAccount <tickets.tsv> <kills file> <output dir> <report dir> <console log>... -- <dead-letter dir>...};
 * the kills file holds the epoch ms of each SIGKILL, one a line, so that each lost ticket can be set
 * against the kill that followed its 200.
 * Reads the result files, the dead letters ({@code *.json} directly in each folder given) and the
 * bundle's console logs (for the tickets worked more than once: the {@code Questions/Computed <ticket>:
 * N page(s)} lines of huma-fetch); prints {@code key=value} lines and writes the tickets behind each
 * count to the report folder ({@code lost.tsv}, {@code worked-twice.tsv}, {@code incomplete.tsv},
 * {@code unreadable-dead-letters.txt}).
 */
public final class SoakAccount {

    private static final Pattern WORKED = Pattern.compile("Questions/Computed ([0-9a-f]{24}): (\\d+) page\\(s\\), (\\d+) record\\(s\\)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Ticket(long n, String ticket, boolean acked, String answers, String repeat, String file, int records,
            long ackedAt) {
    }

    public static void main(String[] args) throws Exception {
        Path ticketsFile = Path.of(args[0]);
        List<Long> kills = Files.readAllLines(Path.of(args[1])).stream().filter(l -> !l.isBlank()).map(Long::parseLong)
                .sorted().toList();
        Path output = Path.of(args[2]);
        Path report = Path.of(args[3]);
        List<Path> logs = new ArrayList<>();
        List<Path> deadLetterDirs = new ArrayList<>();
        boolean dead = false;
        for (int i = 4; i < args.length; i++) {
            if (args[i].equals("--")) {
                dead = true;
            } else {
                (dead ? deadLetterDirs : logs).add(Path.of(args[i]));
            }
        }
        Files.createDirectories(report);

        List<Ticket> tickets = new ArrayList<>();
        for (String line : Files.readAllLines(ticketsFile, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t");
            if (f[0].equals("n")) {
                continue;
            }
            tickets.add(new Ticket(Long.parseLong(f[0]), f[1], f[2].equals("1"), f[4], f[5], f[6], Integer.parseInt(f[7]),
                    Long.parseLong(f[8])));
        }

        // the dead letters: ticket -> files; the unreadable ones apart
        Map<String, List<Path>> deadLetters = new HashMap<>();
        List<String> unreadable = new ArrayList<>();
        int deadLetterFiles = 0;
        int foreign = 0;
        Map<String, Ticket> byTicket = new HashMap<>();
        tickets.forEach(t -> byTicket.put(t.ticket(), t));
        for (Path dir : deadLetterDirs) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList()) {
                    deadLetterFiles++;
                    String why = null;
                    String ticket = null;
                    try {
                        JsonNode record = JSON.readTree(file.toFile());
                        JsonNode payload = record.path("payload");
                        if (payload.isTextual()) {
                            payload = JSON.readTree(payload.asText());
                        }
                        ticket = payload.path("ticket_number").asText(null);
                        Ticket sent = ticket == null ? null : byTicket.get(ticket);
                        if (!"Questions/Computed".equals(record.path("event").asText())) {
                            why = "event is " + record.path("event");
                        } else if (ticket == null) {
                            why = "no payload.ticket_number";
                        } else if (sent == null) {
                            foreign++;
                            continue;
                        } else if (!("soak " + ticket).equals(payload.path("question").asText())
                                || !"succeeded".equals(payload.path("question_status").asText())) {
                            why = "payload differs from the webhook sent: " + payload;
                        } else if (record.path("reason").asText("").isEmpty() || !record.path("attempts").isNumber()) {
                            why = "no reason or attempts";
                        }
                    } catch (IOException e) {
                        why = "not JSON: " + e.getMessage().lines().findFirst().orElse("");
                    }
                    if (why != null) {
                        unreadable.add(file + "\t" + why);
                    } else {
                        deadLetters.computeIfAbsent(ticket, k -> new ArrayList<>()).add(file);
                    }
                }
            }
        }

        // how often each ticket's result was fetched, from the bundle's own lines
        Map<String, Integer> worked = new HashMap<>();
        for (Path log : logs) {
            try (Stream<String> lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
                lines.forEach(line -> {
                    Matcher m = WORKED.matcher(line);
                    if (m.find()) {
                        worked.merge(m.group(1), 1, Integer::sum);
                    }
                });
            }
        }

        int acked = 0;
        int results = 0;
        int deadLettered = 0;
        int lost = 0;
        int incomplete = 0;
        int resultsNotAcked = 0;
        int deadLettersNotAcked = 0;
        int twice = 0;
        int twiceRepeated = 0;
        int twiceRetried = 0;
        Map<String, Integer> lostByAnswers = new TreeMap<>();
        long lostGapMin = Long.MAX_VALUE;
        long lostGapMax = -1;
        int lostNoKillAfter = 0;
        try (PrintWriter lostOut = writer(report.resolve("lost.tsv"));
                PrintWriter twiceOut = writer(report.resolve("worked-twice.tsv"));
                PrintWriter incompleteOut = writer(report.resolve("incomplete.tsv"))) {
            lostOut.println("n\tticket\tanswers\trepeat\tfile\tms from its 200 to the next SIGKILL");
            twiceOut.println("n\tticket\ttimes\tacked\tanswers\trepeat");
            incompleteOut.println("n\tticket\tfile\twhat is wrong");
            for (Ticket t : tickets) {
                Path file = output.resolve(t.file());
                String problem = Files.exists(file) ? check(file, t) : "missing";
                boolean complete = problem == null;
                boolean hasDeadLetter = deadLetters.containsKey(t.ticket());
                if (!complete && !problem.equals("missing")) {
                    incomplete++;
                    incompleteOut.println(t.n() + "\t" + t.ticket() + "\t" + t.file() + "\t" + problem);
                }
                int times = worked.getOrDefault(t.ticket(), 0);
                if (times > 1) {
                    twice++;
                    if (!t.repeat().equals("-")) {
                        twiceRepeated++;
                    }
                    if (t.answers().contains(",")) {
                        twiceRetried++;
                    }
                    twiceOut.println(t.n() + "\t" + t.ticket() + "\t" + times + "\t" + (t.acked() ? 1 : 0) + "\t" + t.answers() + "\t" + t.repeat());
                }
                if (!t.acked()) {
                    resultsNotAcked += complete ? 1 : 0;
                    deadLettersNotAcked += hasDeadLetter ? 1 : 0;
                    continue;
                }
                acked++;
                if (complete) {
                    results++;
                } else if (hasDeadLetter) {
                    deadLettered++;
                } else {
                    lost++;
                    lostByAnswers.merge(t.answers(), 1, Integer::sum);
                    long gap = kills.stream().filter(k -> k >= t.ackedAt()).findFirst().map(k -> k - t.ackedAt()).orElse(-1L);
                    if (gap < 0) {
                        lostNoKillAfter++;
                    } else {
                        lostGapMin = Math.min(lostGapMin, gap);
                        lostGapMax = Math.max(lostGapMax, gap);
                    }
                    lostOut.println(t.n() + "\t" + t.ticket() + "\t" + t.answers() + "\t" + t.repeat() + "\t" + t.file() + "\t"
                            + (gap < 0 ? "no kill after it" : gap));
                }
            }
        }
        Files.write(report.resolve("unreadable-dead-letters.txt"), unreadable, StandardCharsets.UTF_8);

        System.out.println("acked=" + acked);
        System.out.println("acked_results=" + results);
        System.out.println("acked_dead_letters=" + deadLettered);
        System.out.println("lost=" + lost);
        System.out.println("lost_by_answers=" + lostByAnswers);
        System.out.println("lost_to_next_kill_ms=" + (lostGapMax < 0 ? "-" : lostGapMin + "-" + lostGapMax));
        System.out.println("lost_without_kill_after=" + lostNoKillAfter);
        System.out.println("incomplete_results=" + incomplete);
        System.out.println("results_not_acked=" + resultsNotAcked);
        System.out.println("dead_letters_not_acked=" + deadLettersNotAcked);
        System.out.println("dead_letter_files=" + deadLetterFiles);
        System.out.println("dead_letters_foreign=" + foreign);
        System.out.println("unreadable_dead_letters=" + unreadable.size());
        System.out.println("worked_twice=" + twice);
        System.out.println("worked_twice_repeated=" + twiceRepeated);
        System.out.println("worked_twice_retried=" + twiceRetried);
        System.out.println("worked_lines=" + worked.values().stream().mapToInt(Integer::intValue).sum());
    }

    /** Null when the file holds exactly the ticket's records, rows 1..n in order; else what is wrong. */
    private static String check(Path file, Ticket t) {
        try {
            JsonNode result = JSON.readTree(file.toFile());
            JsonNode data = result.path("answer").path("data");
            if (!data.isArray()) {
                return "no answer.data";
            }
            if (data.size() != t.records()) {
                return data.size() + " records of " + t.records();
            }
            for (int i = 0; i < data.size(); i++) {
                JsonNode row = data.get(i);
                if (row.path("row").asInt() != i + 1 || !t.ticket().equals(row.path("owner").asText())) {
                    return "record " + (i + 1) + " is " + row;
                }
            }
            if (!t.ticket().equals(result.path("ticket_number").asText())) {
                return "ticket_number " + result.path("ticket_number");
            }
            return null;
        } catch (IOException e) {
            return "not JSON: " + e.getMessage().lines().findFirst().orElse("");
        }
    }

    private static PrintWriter writer(Path path) throws IOException {
        return new PrintWriter(Files.newBufferedWriter(path, StandardCharsets.UTF_8));
    }

    private SoakAccount() {
    }
}
