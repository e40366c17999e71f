"""Bulk history for the tests and the benchmark: many messages posted over one keep-alive HTTP
connection (the flood limit is raised first, as an administrator would)."""

import http.client
import json


def raise_flood_limit(server, admin_token):
    server.api("PUT", "admin/filters", {"floodBurst": 10000, "floodPerMinute": 100000}, token=admin_token)


def post_many(server, token, room, count, prefix="Message"):
    if server.tls:
        server.api("GET", "server")  # makes the TLS context, trusting the office authority only
        connection = http.client.HTTPSConnection(server.host, server.port, timeout=30, context=server._ssl)
    else:
        connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    try:
        for i in range(1, count + 1):
            body = json.dumps({"text": f"{prefix} {i} of {count}: the quick brown fox jumps over the lazy dog",
                               "clientId": f"seed-{room}-{i}"})
            connection.request("POST", f"/api/v1/rooms/{room}/messages", body, headers)
            response = connection.getresponse()
            response.read()
            if response.status != 201:
                raise RuntimeError(f"post {i}: HTTP {response.status}")
    finally:
        connection.close()
