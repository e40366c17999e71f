"""Bulk data for the tests and the benchmark: many messages posted over one keep-alive HTTP
connection (the flood limit is raised first, as an administrator would); a board of many cards
made by a few threads at once, each with its own keep-alive connection."""

import http.client
import json
import threading


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


def connect(server):
    if server.tls:
        server.api("GET", "server")  # makes the TLS context, trusting the office authority only
        return http.client.HTTPSConnection(server.host, server.port, timeout=60, context=server._ssl)
    return http.client.HTTPConnection(server.host, server.port, timeout=60)


def seed_board(server, token, cards=10000, stages=8, threads=8, title="Big board"):
    """A board of `cards` cards spread over `stages` stages (the last one done), with labels,
    assignees, deadlines and checklists on some, as a real board has. Returns its id."""
    names = [{"name": f"Stage {i + 1}", "done": i == stages - 1} for i in range(stages)]
    board = server.api("POST", "boards", {"title": title, "stages": names}, token=token)["board"]
    server.api("PUT", f"boards/{board}/labels", {"labels": [{"name": "Bug", "colour": "red"}, {"name": "Feature", "colour": "blue"}]},
               token=token)
    snapshot = server.api("GET", f"boards/{board}", token=token)
    stage_ids = [s["id"] for s in snapshot["stages"]]
    labels = [l["id"] for l in snapshot["labels"]]
    me = server.api("GET", "me", token=token)["user"]
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    failures = []

    def work(first):
        connection = connect(server)
        try:
            for i in range(first, cards, threads):
                body = {"stage": stage_ids[i % stages], "title": f"Card {i + 1}: check the quarterly figures"}
                if i % 3 == 0:
                    body["labels"] = [labels[i % 2]]
                if i % 5 == 0:
                    body["assignees"] = [me]
                if i % 7 == 0:
                    body["deadline"] = 1_800_000_000_000 + i * 60_000
                if i % 11 == 0:
                    body["checklist"] = [{"text": "First", "done": True}, {"text": "Second"}]
                connection.request("POST", f"/api/v1/boards/{board}/cards", json.dumps(body), headers)
                response = connection.getresponse()
                response.read()
                if response.status != 201:
                    failures.append(response.status)
                    return
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        raise RuntimeError(f"card creation failed: HTTP {failures[:5]}")
    return board
