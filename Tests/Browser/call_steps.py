"""Browser steps for one-to-one calls (issue 16, docs/calls.md), with the browsers of the voice
step (Alice and Bob with fake microphones and cameras): Bob declines a call, then misses one
(Alice cancels); both show in the conversation's history. Alice calls Bob with video, Bob answers
with video: each side's RTCPeerConnection reports inbound audio and video bytes and decoded
frames (getStats); Alice shares her screen — the video sender's track changes without a new
offer — and stops; then she hangs up and the call is in the history with its length."""

import time

from board_steps import keep
from voice_steps import voice_browser

STATS_JS = """
const done = arguments[0];
const pc = window.causerieCalls?.pc;
if (!pc) return done(null);
pc.getStats().then((report) => {
  const out = { audioBytes: 0, videoBytes: 0, framesDecoded: 0, state: pc.connectionState };
  report.forEach((s) => {
    if (s.type !== 'inbound-rtp') return;
    if (s.kind === 'audio') out.audioBytes += s.bytesReceived || 0;
    if (s.kind === 'video') { out.videoBytes += s.bytesReceived || 0; out.framesDecoded += s.framesDecoded || 0; }
  });
  done(out);
});
"""


DIAGNOSIS_JS = """
const c = window.causerieCalls, pc = c?.pc;
return pc ? {ice: pc.iceConnectionState, gathering: pc.iceGatheringState, signaling: pc.signalingState,
  local: pc.localDescription?.type, remote: pc.remoteDescription?.type, pending: c.pending?.length,
  candidates: (pc.localDescription?.sdp.match(/a=candidate.*/g) || []).slice(0, 4)} : 'no peer connection';
"""


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def stats(b):
    return b.driver.execute_async_script(STATS_JS)


def open_direct(b, ctx, username, name):
    b.click(f".sidebar .nav-item.person[data-user='{ctx.user_id(username)}']")
    b.wait(lambda: name in b.text_of("#conv-title"), 10, f"the conversation with {name}")


def call_rows(b):
    return [(row.get_attribute("data-reason"), row.text) for row in b.all(".timeline .call-row")]


def calls_ring_connect_share_and_are_kept(ctx):
    from scenarios import ALICE, BOB  # noqa: PLC0415 - the suite's accounts
    alice = ctx.browsers.get("voice-alice") or voice_browser(ctx, "alice", ALICE["password"])
    bob = ctx.browsers.get("voice-bob") or voice_browser(ctx, "bob", BOB["password"])
    open_direct(alice, ctx, "bob", "Bob Durand")

    # Declined.
    alice.click("[data-action='call-audio']")
    bob.find(".call-incoming [data-action='call-decline']").click()
    alice.wait(lambda: not alice.all(".call-panel"), 10, "Alice's call ended when Bob declined")
    alice.wait(lambda: any(reason == "declined" for reason, _ in call_rows(alice)), 10, "the declined call in the history")

    # Missed: Alice gives up while it rings.
    alice.click("[data-action='call-audio']")
    bob.find(".call-incoming")
    alice.click("[data-action='call-hangup']")
    bob.wait(lambda: not bob.all(".call-incoming"), 10, "Bob's ringing stopped")
    alice.wait(lambda: any(reason == "cancelled" for reason, _ in call_rows(alice)), 10, "the missed call in the history")

    # A video call, answered with video: media both ways.
    alice.click("[data-action='call-video']")
    bob.find(".call-incoming [data-action='call-accept-video']").click()
    for who, b in (("alice", alice), ("bob", bob)):
        b.wait(lambda b=b: b.all(".call-panel[data-phase='active']"), 15, f"{who}'s call active")
    def flowing(b):
        s = stats(b)
        return s if s and s["audioBytes"] > 2000 and s["videoBytes"] > 20000 and s["framesDecoded"] > 10 else None
    for who, b in (("alice", alice), ("bob", bob)):
        try:
            s = b.wait(lambda b=b: flowing(b), 20, f"audio and video reaching {who}")
        except Exception:
            print(f"  [{who}] stats {stats(b)}; {b.js(DIAGNOSIS_JS)}; console {b.console_errors()[-5:]}")
            raise
        print(f"  [{who}] inbound: {s}")
    bob.wait(lambda: not bob.all(".call-panel .call-avatar"), 10, "Alice's video shown (not her initials)")
    preview = bob.js("const v = document.querySelector('.call-local'); return v && !v.paused && v.videoWidth > 0")
    check(preview, "Bob's own preview is not playing")
    keep(bob, "call")

    # Screen sharing: the sender's track becomes the screen's, no new offer.
    before = alice.js("return window.causerieCalls.videoSender.track?.label || ''")
    offers = alice.js("return window.causerieCalls.pc.localDescription.sdp.length")
    alice.click("[data-action='call-share']")
    shared = alice.wait(lambda: (lambda label: label if label and label != before else None)(
        alice.js("return window.causerieCalls.videoSender.track?.label || ''")), 10, "the screen's track sent")
    print(f"  [alice] camera track {before!r} → {shared!r}")
    check(alice.js("return window.causerieCalls.pc.signalingState") == "stable", "sharing renegotiated")
    check(alice.js("return window.causerieCalls.pc.localDescription.sdp.length") == offers, "sharing made a new offer")
    frames = stats(bob)["framesDecoded"]
    bob.wait(lambda: stats(bob)["framesDecoded"] > frames + 5, 10, "Bob still decoding video while Alice shares")
    alice.click("[data-action='call-share']")
    alice.wait(lambda: alice.js("return window.causerieCalls.videoSender.track?.label || ''") == before, 10, "the camera back")

    time.sleep(1.2)
    alice.click("[data-action='call-hangup']")
    bob.wait(lambda: not bob.all(".call-panel"), 10, "Bob's call ended")
    bob.wait(lambda: any(reason == "hangUp" for reason, _ in call_rows(bob)), 10, "the call in Bob's history")
    rows = call_rows(bob)
    print(f"  [bob] history: {rows}")
    check(any("Video call, 0:0" in text for _, text in rows), f"no length in {rows}")
