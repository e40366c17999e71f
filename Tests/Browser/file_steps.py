"""Browser steps for files (issue 13): sending, previews, progress, cancel, resume after a reload,
a dropped folder, the conversation's Files panel and the personal and public areas. They run
after the chat steps that made Alice, Bob and the room "projects"."""

import hashlib
import os
import struct
import zlib

from selenium.webdriver.common.by import By


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def png(width, height):
    """A real PNG (an opaque gradient): the server must recognise it by its bytes."""
    rows = b"".join(b"\x00" + b"".join(bytes((x * 4 % 256, y * 5 % 256, 128)) for x in range(width)) for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


def file_rows(b, name):
    return [m for m in b.all(".timeline .file-msg") if name in m.text]


def fetch_without_header(b, url):
    """What the browser gets for a link (no Authorization header): status, disposition, SHA-256."""
    return b.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(async (r) => {
            const bytes = new Uint8Array(await r.arrayBuffer());
            const digest = await crypto.subtle.digest('SHA-256', bytes);
            done({ status: r.status, disposition: r.headers.get('Content-Disposition'),
                   sha: Array.from(new Uint8Array(digest), (x) => x.toString(16).padStart(2, '0')).join('') });
        }).catch((e) => done({ status: 0, error: String(e) }));""", url)


def files_sent_previewed_and_resumed(ctx):
    """Alice sends a photo and a text file to "projects" with the attach button: both appear for
    Bob as file messages, the photo as a preview loaded with a read key (no header), the text
    file as a card whose link downloads it as an attachment. A 6 MB file sent over a throttled
    link shows its progress, speed and time left; the page is reloaded half-way; the tray says it
    was interrupted, and choosing the same file again resumes it (the server kept its bytes)
    instead of starting over. Another upload is cancelled and never reaches the room."""
    alice, bob = ctx.browser("alice"), ctx.browser("bob")
    folder = os.path.join(ctx.server.dir, "to-send")
    photo = write(os.path.join(folder, "site photo.png"), png(64, 48))
    notes = write(os.path.join(folder, "notes.txt"), "Budget: 12 k€\n".encode() * 50)
    alice.open_room("projects")
    bob.open_room("projects")
    room = alice.find(".sidebar .nav-item[data-room][aria-current='page']").get_attribute("data-room")
    alice.click("[data-action='attach']")
    alice.find("[data-action='attach-files']")
    alice.click("[data-action='attach-files']")
    # The native picker is not scriptable: the hidden input it fills takes the paths.
    alice.driver.find_element(By.CSS_SELECTOR, "input[data-input='files']").send_keys(photo + "\n" + notes)
    for name in ("site photo.png", "notes.txt"):
        bob.wait(lambda name=name: file_rows(bob, name), 20, f"{name} for Bob")
        alice.wait(lambda name=name: file_rows(alice, name), 20, f"{name} for Alice")
    image = bob.wait(lambda: next((i for i in bob.all(".file-msg img.file-preview")
                                   if bob.js("return arguments[0].complete && arguments[0].naturalWidth", i)), None),
                     15, "the photo's preview loaded")
    check(bob.js("return arguments[0].naturalWidth", image) == 64, "the preview is not the photo")
    check("key=" in image.get_attribute("src") and "inline=1" in image.get_attribute("src"), image.get_attribute("src"))
    text_row = file_rows(bob, "notes.txt")[0]
    check(not text_row.find_elements(By.CSS_SELECTOR, "img"), "a text file has a preview")
    link = bob.wait(lambda: (a := text_row.find_element(By.CSS_SELECTOR, "a.file-name")).get_attribute("href") and a, what="a link")
    got = fetch_without_header(bob, link.get_attribute("href"))
    check(got["status"] == 200 and got["disposition"].startswith("attachment"), f"download: {got}")
    check(got["sha"] == hashlib.sha256(open(notes, "rb").read()).hexdigest(), "the download differs from the file sent")
    bob.wait_text(".details .details-files", "notes.txt")
    bob.shot("files-in-conversation")

    # Progress, then a reload half-way, then the same file again: it resumes.
    big_bytes = os.urandom(6 << 20)
    big = write(os.path.join(folder, "survey.bin"), big_bytes)
    alice.js("localStorage.setItem('causerie.uploadChunk', String(256 * 1024))")
    alice.driver.execute_cdp_cmd("Network.enable", {})
    alice.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": 5, "downloadThroughput": -1, "uploadThroughput": 1_500_000})
    alice.driver.find_element(By.CSS_SELECTOR, "input[data-input='files']").send_keys(big)
    status = alice.wait(lambda: (s := alice.find(".transfer-sending .transfer-status").text) and "/s" in s and "left" in s and s,
                        15, "speed and time left")
    check(" of " in status, f"progress: {status!r}")
    alice.wait(lambda: int(alice.find(".transfer-sending progress").get_attribute("value")) >= 25, 20, "a quarter sent")
    alice.shot("files-progress")
    alice.open("/")
    alice.wait_text(".transfer-unfinished", "Interrupted at", 15)
    alice.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    alice.open_room("projects")
    alice.driver.find_element(By.CSS_SELECTOR, "input[data-input='files']").send_keys(big)
    alice.wait_text(".transfer", "resumed at", 15)
    bob.wait(lambda: file_rows(bob, "survey.bin"), 30, "the resumed file for Bob")
    token = ctx.token("bob")
    room_files = ctx.server.api("GET", f"rooms/{room}/files", token=token)["files"]
    survey = [f for f in room_files if f["name"] == "survey.bin"]
    check(len(survey) == 1 and survey[0]["sha256"] == hashlib.sha256(big_bytes).hexdigest(), f"resumed file: {survey}")
    alice.gone(".transfer-unfinished", 10)

    # Cancelled: the row says so and nothing reaches the room.
    alice.js("localStorage.setItem('causerie.uploadChunk', String(64 * 1024))")
    alice.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": 5, "downloadThroughput": -1, "uploadThroughput": 500_000})
    dropped = write(os.path.join(folder, "draft.bin"), os.urandom(3 << 20))
    alice.driver.find_element(By.CSS_SELECTOR, "input[data-input='files']").send_keys(dropped)
    alice.click("[data-action='cancel-upload']")
    alice.wait_text(".transfer", "Cancelled")
    alice.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    alice.js("localStorage.removeItem('causerie.uploadChunk')")
    check(not file_rows(bob, "draft.bin"), "a cancelled upload reached the room")
    check(not [f for f in ctx.server.api("GET", f"rooms/{room}/files", token=token)["files"] if f["name"] == "draft.bin"],
          "a cancelled upload is a file")
    # Finished transfers leave by themselves; later steps hover over rows that must not move.
    alice.gone(".transfer", 10)


def folder_dropped_and_files_browsed(ctx):
    """Alice drops a folder (two levels, an empty subfolder) on her conversation with Bob: one
    message "Plans · 3 files" for both; Bob opens it in the file browser and walks into its
    subfolder. Alice's "My files" shows her personal area with the quota; she makes a folder,
    uploads into it, renames and deletes a file; the public area offers her no upload (she lacks
    the publicFiles right)."""
    alice, bob = ctx.browser("alice"), ctx.browser("bob")
    base = os.path.join(ctx.server.dir, "Plans")
    write(os.path.join(base, "ground floor.txt"), b"walls\n")
    write(os.path.join(base, "roof.txt"), b"tiles\n")
    write(os.path.join(base, "details", "stairs.txt"), b"steps\n")
    os.makedirs(os.path.join(base, "empty"), exist_ok=True)
    bob_id, alice_id = ctx.user_id("bob"), ctx.user_id("alice")
    bob.click(f".sidebar .nav-item.person[data-room][data-user='{alice_id}']")
    bob.wait(lambda: "Alice Martin" in bob.text_of("#conv-title"), what="Bob in the conversation with Alice")
    alice.click(f".sidebar .nav-item.person[data-room][data-user='{bob_id}']")
    alice.wait(lambda: "Bob Durand" in alice.text_of("#conv-title"), what="the conversation with Bob")
    target = alice.find(".timeline")
    # A real drop (Chromium's own drag data, with directory entries), through DevTools.
    rect = alice.js("const r = arguments[0].getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]", target)
    alice.driver.execute_cdp_cmd("Input.setInterceptDrags", {"enabled": False})
    data = {"items": [], "files": [base], "dragOperationsMask": 1}
    for kind in ("dragEnter", "dragOver", "drop"):
        alice.driver.execute_cdp_cmd("Input.dispatchDragEvent", {"type": kind, "x": rect[0], "y": rect[1], "data": data})
    row = bob.wait(lambda: next((m for m in bob.all(".file-msg") if "Plans" in m.text), None), 20, "the folder for Bob")
    check("3 files" in row.text, f"folder card: {row.text!r}")
    zip_link = bob.wait(lambda: (a := row.find_element(By.CSS_SELECTOR, "[data-action='download-zip']")).get_attribute("href") and a,
                        what="the folder's ZIP link")
    got = fetch_without_header(bob, zip_link.get_attribute("href"))
    check(got["status"] == 200 and "Plans.zip" in (got["disposition"] or ""), f"the folder as a ZIP: {got}")
    alice.wait(lambda: any("Plans" in m.text for m in alice.all(".file-msg")), 10, "the folder for Alice")
    row.find_element(By.CSS_SELECTOR, "[data-action='open-folder']").click()
    bob.wait_text("dialog[open] .files-rows", "roof.txt")
    bob.wait_text("dialog[open] .files-rows", "details")
    bob.click("dialog[open] .files-folder[data-folder='details'] .files-open")
    bob.wait_text("dialog[open] .files-rows", "stairs.txt")
    bob.shot("files-folder")
    bob.click("dialog[open] .dialog-head .icon-button")

    alice.click(".sidebar [data-key='sidebar.files']")
    alice.wait_text("dialog[open] .files-usage", "used of")
    alice.click("dialog[open] [data-action='new-folder']")
    alice.type("dialog[open] .files-ask [data-input='name']", "Reports")
    alice.click("dialog[open] .files-ask [type='submit']")
    alice.click("dialog[open] .files-folder[data-folder='Reports'] .files-open")
    alice.wait_text("dialog[open] .files-crumbs", "Reports")
    report = write(os.path.join(ctx.server.dir, "to-send", "q4.txt"), b"Q4 figures\n")
    alice.driver.find_element(By.CSS_SELECTOR, "dialog[open] input[data-input='area-files']").send_keys(report)
    alice.wait_text("dialog[open] .files-rows", "q4.txt", 15)
    alice.click("dialog[open] .files-row [data-action='rename-file']")
    alice.type("dialog[open] .files-ask [data-input='name']", "q4 final.txt")
    alice.click("dialog[open] .files-ask [type='submit']")
    alice.wait_text("dialog[open] .files-rows", "q4 final.txt")
    listing = ctx.server.api("GET", "files?area=personal&folder=Reports", token=ctx.token("alice"))
    check([f["name"] for f in listing["files"]] == ["q4 final.txt"], f"personal area: {listing}")
    alice.shot("files-personal")
    alice.click("dialog[open] .files-row [data-action='delete-file']")
    alice.click("dialog.dialog:not(.files-dialog)[open] button[type='submit']")
    alice.wait_text("dialog[open] .files-list", "Nothing here yet")
    alice.click("dialog[open] .files-tab[data-area='public']")
    alice.wait(lambda: alice.find("dialog[open] .files-tab[data-area='public']").get_attribute("aria-selected") == "true",
               what="the public area")
    check(not alice.all("dialog[open] [data-action='upload-here']"), "an upload button without the publicFiles right")
    alice.click("dialog[open] .dialog-head .icon-button")
    alice.gone(".transfer", 10)


def propfind(ctx, username, password):
    """A WebDAV PROPFIND of /dav/ over HTTPS with Basic, from Python (a page's fetch would make
    Chromium ask for credentials on a 401): status and body."""
    import base64
    import ssl
    import urllib.error
    import urllib.request
    request = urllib.request.Request(ctx.server.url + "/dav/", method="PROPFIND", headers={
        "Depth": "1", "Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()})
    context = ssl.create_default_context(cafile=ctx.server.ca)
    try:
        with urllib.request.urlopen(request, timeout=15, context=context) as response:
            return {"status": response.status, "body": response.read().decode()}
    except urllib.error.HTTPError as error:
        return {"status": error.code, "body": error.read().decode()}


def file_server_and_app_passwords(ctx):
    """Settings → File server gives the WebDAV address and makes an app password, shown once; a
    WebDAV client logging in with it over HTTPS lists Personal, Public and the conversations;
    withdrawn, it is refused at once. The account password works too (over TLS only)."""
    alice = ctx.browser("alice")
    alice.click(".me-card")
    alice.click("dialog[open] [data-tab='fileServer']")
    alice.wait_text("dialog[open] .file-server-address", "/dav/")
    alice.type("dialog[open] [name='appLabel']", "Office PC – Explorer")
    alice.click("dialog[open] [data-action='create-app-password']")
    secret = alice.wait(lambda: alice.find("dialog[open] .app-password-value").text.strip(), what="the new app password")
    alice.wait_text("dialog[open] .app-passwords", "Office PC – Explorer")
    answer = propfind(ctx, "alice", secret)
    check(answer["status"] == 207, f"PROPFIND with the app password: {answer}")
    for href in ("/dav/Personal/", "/dav/Public/", "/dav/projects/"):
        check(f"<d:href>{href}</d:href>" in answer["body"], f"{href} not listed: {answer['body'][:400]}")
    check(propfind(ctx, "alice", "not-the-password")["status"] == 401, "a wrong password opened the file server")
    alice.shot("settings-file-server")
    alice.click("dialog[open] [data-action='revoke-app-password']")
    alice.wait_text("dialog[open] .app-passwords", "No app password yet")
    check(propfind(ctx, "alice", secret)["status"] == 401, "a withdrawn app password still works")
    check(propfind(ctx, "alice", "alice-Secret-1")["status"] == 207, "the account password over HTTPS")
    alice.click("dialog[open] .dialog-head .icon-button")
