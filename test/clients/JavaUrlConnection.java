// Java's HttpURLConnection, fixed-length streaming, Expect: 100-continue
// set by the application (the JDK then waits 5 s for the 100).
// Usage: java JavaUrlConnection URL FILE; prints {"status": N}.
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

public class JavaUrlConnection {
    static String clean(String s) {
        return s.replaceAll("[\"\\\\\\s]", " ");
    }

    public static void main(String[] args) throws Exception {
        byte[] data = Files.readAllBytes(Path.of(args[1]));
        HttpURLConnection c =
            (HttpURLConnection) new URL(args[0]).openConnection();
        c.setDoOutput(true);
        c.setRequestMethod("POST");
        c.setFixedLengthStreamingMode(data.length);
        c.setRequestProperty("Expect", "100-continue");
        c.setRequestProperty("Content-Type", "application/octet-stream");
        String error = null;
        try (OutputStream out = c.getOutputStream()) {
            out.write(data);
        } catch (Exception e) {
            // A refusal of the expectation: the status is still there.
            error = e.toString();
        }
        try {
            int status = c.getResponseCode();
            InputStream in = status < 400 ? c.getInputStream()
                                          : c.getErrorStream();
            String body = in == null ? ""
                : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            System.out.println("{\"status\": " + status + ", \"body\": \""
                + clean(body) + "\"" + (error == null ? ""
                : ", \"error\": \"" + clean(error) + "\"") + "}");
        } catch (Exception e) {
            System.out.println("{\"status\": 0, \"error\": \""
                + clean((error == null ? "" : error + "; ") + e) + "\"}");
        }
    }
}
