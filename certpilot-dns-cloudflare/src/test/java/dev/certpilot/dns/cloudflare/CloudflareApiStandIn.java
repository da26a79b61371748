package dev.certpilot.dns.cloudflare;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jose4j.json.JsonUtil;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.certpilot.core.spi.Dns01Responder;

/**
 * A local stand-in for Cloudflare's API v4, which this machine cannot reach: the calls the responder makes (zones by
 * name; TXT records created, listed by name and content, deleted), with Cloudflare's documented envelope
 * ({@code success}, {@code errors}, {@code result}) and its authentication error. Each record it accepts is written
 * to a real DNS server through {@code dns}, so that the CA validates what the API was told.
 */
final class CloudflareApiStandIn implements AutoCloseable {

    record Record(String id, String zoneId, String name, String content) {
    }

    private final String token;
    private final Map<String, String> zones; // id to name
    private final Dns01Responder dns;
    private final HttpServer server;
    final Map<String, Record> records = new ConcurrentHashMap<>();
    final List<String> calls = new CopyOnWriteArrayList<>();
    /** Whether the record search ignores its name and content filters, as a faulty proxy in front might. */
    volatile boolean searchIgnoresFilters;

    CloudflareApiStandIn(String token, Map<String, String> zones, Dns01Responder dns) throws IOException {
        this.token = token;
        this.zones = zones;
        this.dns = dns;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/client/v4/", this::handle);
        server.start();
    }

    URI api() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/client/v4/");
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            var path = exchange.getRequestURI().getPath().substring("/client/v4/".length());
            var query = query(exchange.getRequestURI().getRawQuery());
            var method = exchange.getRequestMethod();
            calls.add(method + " " + path);
            if (!("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                reply(exchange, 403, Map.of("success", false, "errors",
                        List.of(Map.of("code", 10000, "message", "Authentication error")), "result", List.of()));
                return;
            }
            var parts = path.split("/");
            if (method.equals("GET") && path.equals("zones")) {
                var found = new ArrayList<Map<String, Object>>();
                zones.forEach((id, name) -> {
                    if (name.equals(query.get("name"))) {
                        found.add(Map.of("id", id, "name", name));
                    }
                });
                ok(exchange, found);
            } else if (parts.length >= 3 && parts[0].equals("zones") && zones.containsKey(parts[1])
                    && parts[2].equals("dns_records")) {
                records(exchange, method, parts, query);
            } else {
                reply(exchange, 404, Map.of("success", false, "errors",
                        List.of(Map.of("code", 7003, "message", "Could not route to /" + path)), "result", List.of()));
            }
        } catch (Exception e) {
            reply(exchange, 500, Map.of("success", false, "errors", List.of(Map.of("code", 1, "message", e.toString())),
                    "result", List.of()));
        }
    }

    private void records(HttpExchange exchange, String method, String[] parts, Map<String, String> query)
            throws Exception {
        var zoneId = parts[1];
        if (method.equals("POST") && parts.length == 3) {
            var body = JsonUtil.parseJson(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            if (!"TXT".equals(body.get("type")) || !(body.get("ttl") instanceof Number)) {
                reply(exchange, 400, Map.of("success", false, "errors",
                        List.of(Map.of("code", 9000, "message", "bad record")), "result", List.of()));
                return;
            }
            var record = new Record(UUID.randomUUID().toString().replace("-", ""), zoneId, (String) body.get("name"),
                    (String) body.get("content"));
            dns.publish(record.name() + ".", record.content());
            records.put(record.id(), record);
            ok(exchange, Map.of("id", record.id(), "type", "TXT", "name", record.name(), "content", record.content()));
        } else if (method.equals("GET") && parts.length == 3) {
            var found = new ArrayList<Map<String, Object>>();
            for (var record : records.values()) {
                if (record.zoneId().equals(zoneId) && (searchIgnoresFilters || record.name().equals(query.get("name"))
                        && record.content().equals(query.get("content")))) {
                    found.add(Map.of("id", record.id(), "type", "TXT", "name", record.name(), "content",
                            record.content()));
                }
            }
            ok(exchange, found);
        } else if (method.equals("DELETE") && parts.length == 4 && records.containsKey(parts[3])) {
            var record = records.remove(parts[3]);
            dns.remove(record.name() + ".", record.content());
            ok(exchange, Map.of("id", record.id()));
        } else {
            reply(exchange, 404, Map.of("success", false, "errors",
                    List.of(Map.of("code", 81044, "message", "Record does not exist.")), "result", List.of()));
        }
    }

    private static void ok(HttpExchange exchange, Object result) throws IOException {
        var body = new LinkedHashMap<String, Object>();
        body.put("success", true);
        body.put("errors", List.of());
        body.put("messages", List.of());
        body.put("result", result);
        reply(exchange, 200, body);
    }

    private static void reply(HttpExchange exchange, int status, Map<String, ?> body) throws IOException {
        var bytes = JsonUtil.toJson(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static Map<String, String> query(String raw) {
        var result = new HashMap<String, String>();
        if (raw != null) {
            for (var pair : raw.split("&")) {
                var equals = pair.indexOf('=');
                if (equals > 0) {
                    result.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return result;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
