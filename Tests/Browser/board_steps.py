"""Browser steps for the Kanban boards and the bulletin board (issue 15). They run after the steps
that made the administrator, Alice and Bob (their Context): Alice makes a project with Bob in it,
moves cards with the mouse and the keyboard and Bob sees it live; a must-read notice blocks Bob's
screen until he confirms it, then its author sees who read it; the board as it was shows a card
back where it started. Screenshots of the four main screens also go to docs/screenshots/."""

import datetime
import os
import shutil
import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KEPT = os.path.join(REPO, "docs", "screenshots")
CARDS = ["Draft the press release", "Book the venue", "Order the badges"]


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def keep(b, name):
    """A screenshot in the run's folder, and a copy in docs/screenshots/ (the documentation's)."""
    path = b.shot(name)
    os.makedirs(KEPT, exist_ok=True)
    shutil.copyfile(path, os.path.join(KEPT, f"{name}.png"))


def card_id(b, title):
    """The id of the card whose tile shows `title`."""
    return b.wait(lambda: next((c.get_attribute("data-card") for c in b.all(".board-view .card")
                                if c.find_element("css selector", ".card-title").text == title), None), 10, f"card {title!r}")


def stage_id(b, name):
    return b.wait(lambda: next((h.get_attribute("data-stage") for h in b.all(".stage-head[data-stage]")
                                if h.find_element("css selector", ".stage-name").text.strip() == name), None), 10, f"stage {name!r}")


def in_stage(b, stage, card):
    return bool(b.all(f".card-list[data-stage='{stage}'] .card[data-card='{card}']"))


def open_board(b, title):
    """From anywhere: the sidebar's Boards, then the project's tile."""
    b.click(".sidebar [data-action='open-boards']")
    b.wait(lambda: any(title in t.text for t in b.all(".board-tile")), 10, f"the tile of {title!r}")
    next(t for t in b.all(".board-tile") if title in t.text).click()
    b.wait(lambda: b.text_of("#board-title") == title, 10, "the board open")


def board_made_and_cards_moved_live(ctx):
    """Alice makes a project from the Boards screen (its stages named in her language, Bob an
    editor), adds three cards to "To do" with the column's form, drags one to "In progress" with
    the mouse and sends another there with Ctrl+Right: Bob, who has the board open, sees both
    moves without reloading, and a screen reader hears where the keyboard move went. Alice then
    gives a card a priority, a checklist item and Bob as assignee; Bob's tile shows them live."""
    alice, bob = ctx.browser("alice"), ctx.browser("bob")
    alice.click(".sidebar [data-action='open-boards']")
    alice.find(".boards-screen")
    alice.click("[data-action='new-board']")
    alice.type("dialog [name='title']", "Spring fair")
    alice.type("dialog [name='description']", "Stands, badges and the press")
    stages = [e.get_attribute("value") for e in alice.all("dialog .stage-inputs input")]
    check(stages == ["To do", "In progress", "Review", "Done"], f"default stages: {stages}")
    alice.find(f"dialog [data-input='member'] option[value='{ctx.user_id('bob')}']").click()
    alice.click("dialog [data-action='add-member']")
    alice.wait_text("dialog .member-rows", "Bob Durand")
    alice.submit_dialog()
    alice.wait(lambda: alice.text_of("#board-title") == "Spring fair", 10, "the new board open")
    todo, doing = stage_id(alice, "To do"), stage_id(alice, "In progress")
    alice.click(f".stage-head[data-stage='{todo}'] [data-action='add-card']")
    for title in CARDS:
        alice.type("[data-input='new-card']", title + Keys.ENTER, clear=False)
        card_id(alice, title)
    alice.find("[data-input='new-card']").send_keys(Keys.ESCAPE)
    alice.gone(".card-new")
    ids = {title: card_id(alice, title) for title in CARDS}
    order = [c.get_attribute("data-card") for c in alice.all(f".card-list[data-stage='{todo}'] .card")]
    check(order == [ids[t] for t in reversed(CARDS)], "new cards do not go to the top of the list")

    open_board(bob, "Spring fair")
    bob.wait(lambda: all(in_stage(bob, todo, ids[t]) for t in CARDS), 10, "Bob sees the three cards")
    # The board as it was before the moves (the last step looks at it): a second apart.
    ctx.ids["board_before_moves"] = int(time.time() * 1000) + 400
    time.sleep(1.2)

    # The mouse: press, move a little, over "In progress", release.
    tile = alice.find(f".card[data-card='{ids['Book the venue']}']")
    target = alice.find(f".card-list[data-stage='{doing}']")
    ActionChains(alice.driver).click_and_hold(tile).move_by_offset(12, 8).move_to_element(target) \
        .move_by_offset(0, -20).release().perform()
    bob.wait(lambda: in_stage(bob, doing, ids["Book the venue"]), 10, "the dragged card in In progress for Bob")
    check(not alice.all("dialog[open]"), "a drop opened the card")

    # The keyboard: focus a card, Ctrl+Right.
    tile = alice.find(f".card[data-card='{ids['Order the badges']}']")
    alice.js("arguments[0].focus()", tile)
    tile.send_keys(Keys.CONTROL, Keys.ARROW_RIGHT)
    bob.wait(lambda: in_stage(bob, doing, ids["Order the badges"]), 10, "the card moved with the keyboard, for Bob")
    alice.wait(lambda: "moved to In progress" in alice.js(
        "return document.querySelector('.board-view p[role=status]').textContent"), 5, "the move announced")
    alice.wait(lambda: alice.js("return document.activeElement?.dataset?.card") == ids["Order the badges"], 5,
               "the focus following the card")
    check(in_stage(bob, todo, ids["Draft the press release"]), "the third card left To do")
    check(bob.find(f".stage-head[data-stage='{doing}'] .stage-count").text == "2", "In progress does not count 2")

    # The card's detail: priority, a checklist item, Bob assigned; his tile follows.
    alice.click(f".card[data-card='{ids['Book the venue']}']")
    alice.find("dialog.card-dialog [name='priority'] option[value='high']").click()
    alice.type("dialog.card-dialog [data-input='checklist-new']", "Call the town hall" + Keys.ENTER)
    alice.click(f"dialog.card-dialog [data-assignee='{ctx.user_id('bob')}']")
    alice.type("dialog.card-dialog [data-input='comment']", "Can you call them, @bob")
    alice.click("dialog.card-dialog [data-action='comment']")
    alice.wait_text("dialog.card-dialog .comment-list", "Can you call them")
    alice.js("document.querySelector('dialog.card-dialog .dialog-body').scrollTop = 0")
    keep(alice, "card")
    alice.submit_dialog()
    bob_tile = f".card[data-card='{ids['Book the venue']}']"
    bob.wait(lambda: "High" in bob.text_of(bob_tile) and "0/1" in bob.text_of(bob_tile), 10, "priority and checklist live")
    bob.wait(lambda: bob.all(bob_tile + " .card-person"), 10, "Bob's initials on the card")
    bob.wait_text(".toast", "mentioned you", 10)

    # Labels, deadlines and a cover set over the HTTP API (as an integration would) reach Bob too:
    # late in red, soon in amber.
    board = alice.js("return location.hash").split("=")[1]
    token = ctx.token("alice")
    api = lambda method, path, body=None: ctx.server.api(method, f"boards/{board}/{path}", body, token=token)  # noqa: E731
    api("PUT", "labels", {"labels": [{"name": "Press", "colour": "purple"}, {"name": "Urgent", "colour": "red"}]})
    labels = {l["name"]: l["id"] for l in ctx.server.api("GET", f"boards/{board}", token=token)["labels"]}
    now = int(time.time() * 1000)
    api("PATCH", f"cards/{ids['Draft the press release']}", {"labels": [labels["Press"]], "deadline": now + 20 * 3600_000, "cover": "teal"})
    api("PATCH", f"cards/{ids['Order the badges']}", {"labels": [labels["Urgent"]], "deadline": now - 26 * 3600_000, "priority": "urgent"})
    review, done = stage_id(alice, "Review"), stage_id(alice, "Done")
    api("POST", "cards", {"stage": review, "title": "Print the programme", "assignees": [ctx.user_id("alice")]})
    api("POST", "cards", {"stage": done, "title": "Choose the date", "deadline": now - 5 * 86400_000})
    bob.wait(lambda: bob.all(f".card[data-card='{ids['Order the badges']}'] .card-due.overdue"), 10, "the late card in red")
    bob.wait(lambda: bob.all(f".card[data-card='{ids['Draft the press release']}'] .card-due.soon"), 10, "the card due soon")
    bob.wait_text(f".card-list[data-stage='{done}']", "Choose the date")
    check(not bob.all(f".card-list[data-stage='{done}'] .card-due.overdue"), "a done card shows as late")
    keep(bob, "board")
    ctx.ids["board_cards"] = ids
    ctx.ids["board_stages"] = (todo, doing)


def must_read_notice_blocks_until_read(ctx):
    """The administrator posts a pinned must-read notice for Bob from the Bulletin screen. Bob's
    chat is covered at once by a dialog Esc does not close, the rest of the page inert; "I have
    read it" lets him on and the notice shows as confirmed. The author's read list names Bob and
    when; Alice, for whom it was not, sees nothing of it."""
    admin, alice, bob = ctx.browser("admin"), ctx.browser("alice"), ctx.browser("bob")
    bob.open_room("main")  # back in the chat: the notice is to stop him there
    admin.open("/")
    admin.click(".sidebar [data-action='open-bulletin']")
    admin.find(".bulletin-screen")
    admin.click("[data-action='new-notice']")
    admin.type("dialog [name='title']", "New badge rules")
    admin.type("dialog [name='body']", "Wear your badge *at all times* in the building.\nVisitors sign in at the desk.")
    admin.click("dialog input[name='audience'][value='users']")
    admin.click(f"dialog [data-user='{ctx.user_id('bob')}']")
    admin.click("dialog [name='pinned']")
    admin.click("dialog [name='mustRead']")
    admin.submit_dialog()

    dialog = bob.find("dialog.must-read[open]")
    bob.wait_text("dialog.must-read", "New badge rules")
    check(dialog.find_element("css selector", ".notice-body strong").text == "at all times", "the notice is not formatted")
    check(bob.js("return document.querySelector('dialog.must-read').matches(':modal')"), "the dialog is not modal")
    # What lies under the composer is the dialog's backdrop, not the composer: the chat is blocked.
    check(bob.js("const r = document.querySelector('.composer').getBoundingClientRect();"
                 " const el = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);"
                 " return !el || Boolean(el.closest('dialog.must-read'))"), "the chat can be clicked behind the notice")
    bob.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    time.sleep(0.3)
    check(bob.all("dialog.must-read[open]"), "Esc closed the must-read notice")
    check(not alice.all("dialog.must-read[open]"), "Alice is blocked by a notice for Bob")
    keep(bob, "must-read")
    bob.click("[data-action='acknowledge-must-read']")
    bob.gone("dialog.must-read[open]")
    bob.find(".composer-input").click()  # the chat answers again

    admin.wait(lambda: admin.all(".notice[data-notice] [data-action='read-list']"), 10, "the read list button")
    admin.wait_text(".notice.pinned .notice-count", "1 of 1 confirmed", 10)
    admin.click(".notice.pinned [data-action='read-list']")
    admin.wait_text(".notice.pinned .read-list", "Bob Durand")
    check("Not yet (0)" in admin.text_of(".notice.pinned .read-list"), "someone still to read it")
    keep(admin, "bulletin")
    bob.click(".sidebar [data-action='open-bulletin']")
    bob.wait_text(".notice.pinned .notice-ack", "You confirmed reading it")
    bob.gone(".sidebar [data-action='open-bulletin'] .badge")


def board_as_of_shows_the_past(ctx):
    """Alice looks at the board as it was before the moves: a banner says so, the dragged card is
    back in "To do", nothing can be moved; "Back to now" shows it in "In progress" again."""
    alice = ctx.browser("alice")
    ids, (todo, doing) = ctx.ids["board_cards"], ctx.ids["board_stages"]
    if not alice.all(".board-view"):
        open_board(alice, "Spring fair")
    when = datetime.datetime.fromtimestamp(ctx.ids["board_before_moves"] / 1000)
    alice.click("[data-action='as-of']")
    alice.js("arguments[0].value = arguments[1]; arguments[2].value = arguments[3]",
             alice.find("dialog [name='asOfDate']"), when.strftime("%Y-%m-%d"),
             alice.find("dialog [name='asOfTime']"), when.strftime("%H:%M:%S"))
    alice.submit_dialog()
    alice.wait_text(".board-banner.past", "read-only")
    alice.wait(lambda: in_stage(alice, todo, ids["Book the venue"]), 10, "the dragged card back in To do")
    check(in_stage(alice, todo, ids["Order the badges"]), "the keyboard-moved card is not back in To do")
    check(not alice.all(".board-view [data-action='add-card']"), "cards can be added to the past")
    check(alice.find(f".card[data-card='{ids['Book the venue']}']").get_attribute("aria-describedby") is None,
          "the past offers moves")
    alice.shot("board-as-of")
    alice.click("[data-action='back-to-now']")
    alice.gone(".board-banner.past")
    alice.wait(lambda: in_stage(alice, doing, ids["Book the venue"]), 10, "the card back in In progress")
    # No script error anywhere on the way (refused requests are logged too: only exceptions count).
    for name in ("admin", "alice", "bob"):
        thrown = [line for line in ctx.browser(name).console_errors() if "Uncaught" in line]
        check(not thrown, f"{name}'s page threw: {thrown}")
