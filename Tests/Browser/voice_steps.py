"""Browser steps for group voice (issue 16, docs/calls.md). Three more browsers — Alice, Bob and
the administrator, each with Chromium's fake microphone playing its own tone from a WAV file —
join the general room's voice from the header. Each page's decoded mix (6 s kept when
localStorage causerie.debug.voice is set) is listened to with a Goertzel filter in the page: it
holds the two other tones and not its own. Who speaks shows in the bar; a mute silences one voice
for the others; leaving empties one's seat everywhere."""

import math
import os
import struct
import time
import wave

from board_steps import keep

TONES = {"alice": 440.0, "bob": 1000.0, "admin": 2500.0}
MEDIA_FLAGS = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
               "--autoplay-policy=no-user-gesture-required",
               # Calls: ICE over loopback too (a test run outside the namespace has no other
               # address), and the screen picked without a picker.
               "--allow-loopback-in-peer-connection", "--auto-select-desktop-capture-source=Entire screen")

# The level (dB) of a tone in what the page heard in the last `seconds`: Goertzel on the tap.
LEVEL_JS = """
const [hertz, seconds] = arguments;
const samples = window.causerieVoice?.media?.recent(seconds) || new Float32Array(0);
if (samples.length < 4800) return null;
const k = 2 * Math.cos(2 * Math.PI * hertz / 48000);
let previous = 0, before = 0;
for (const sample of samples) { const current = sample + k * previous - before; before = previous; previous = current; }
const power = (previous * previous + before * before - k * previous * before) / (samples.length * samples.length);
return 10 * Math.log10(Math.max(power, 1e-30));
"""


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def tone_file(directory, hertz):
    """Ten seconds of a sine at 48 kHz, 16-bit mono (Chromium loops it as the microphone)."""
    path = os.path.join(directory, f"tone-{int(hertz)}.wav")
    with wave.open(path, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(48000)
        out.writeframes(b"".join(struct.pack("<h", int(0.3 * 32767 * math.sin(2 * math.pi * hertz * n / 48000)))
                                 for n in range(480000)))
    return path


def click_file(directory):
    """Ten seconds of silence with a 20 ms click (1 kHz at 0.8) at the start of each second (shorter
    ones lose their peak in two Opus encodings)."""
    path = os.path.join(directory, "clicks.wav")
    with wave.open(path, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(48000)
        out.writeframes(b"".join(struct.pack("<h", int(0.8 * 32767 * math.sin(2 * math.pi * 1000 * (n % 48000) / 48000))
                                             if n % 48000 < 960 else 0) for n in range(480000)))
    return path


def voice_browser(ctx, who, password, name=None, audio_file=None):
    """A browser whose microphone plays `who`'s tone (or `audio_file`), logged in as `who`, in the general room."""
    flags = MEDIA_FLAGS + (f"--use-file-for-fake-audio-capture={audio_file or tone_file(ctx.server.dir, TONES[who])}",)
    b = ctx.browser(name or "voice-" + who, flags=flags)
    token = ctx.server.login(who, password)["token"]
    b.open("/")
    # The test's ears (the decoded mix kept), and the microphone as it is: noise suppression
    # takes a steady tone for noise.
    b.js("localStorage.setItem('causerie.token', arguments[0]); localStorage.setItem('causerie.debug.voice', '1');"
         "localStorage.setItem('causerie.debug.calls', '1');"
         "localStorage.setItem('causerie.voice.raw', '1')", token)
    b.open("/")
    b.wait(lambda: b.all(".sidebar .me-name"), 15, "logged in")
    b.click(".sidebar .nav-item[data-room='main']")
    b.wait(lambda: b.all("[data-action='voice']"), 10, "the general room open, with its voice button")
    return b


def levels(b, seconds=3):
    return {who: b.js(LEVEL_JS, hertz, seconds) for who, hertz in TONES.items()}


def people_in_voice(b):
    return len(b.all(".voice-bar:not([hidden]) .voice-person"))


def group_voice_mixes_the_others(ctx):
    from scenarios import ADMIN_PASSWORD, ALICE, BOB  # noqa: PLC0415 - the suite's accounts
    passwords = {"alice": ALICE["password"], "bob": BOB["password"], "admin": ADMIN_PASSWORD}
    browsers = {who: voice_browser(ctx, who, passwords[who]) for who in TONES}
    for who, b in browsers.items():
        b.click("[data-action='voice']")
        b.wait(lambda b=b: b.all(".voice-bar:not([hidden])"), 10, f"{who} in the voice")
    for who, b in browsers.items():
        b.wait(lambda b=b: people_in_voice(b) == 3, 15, f"three people in {who}'s voice bar")
    time.sleep(4)  # the buffers fill and the tap holds seconds of steady mix
    for who, b in browsers.items():
        heard = levels(b)
        print(f"  [{who}] heard (dB): " + ", ".join(f"{name} {level:.1f}" for name, level in heard.items() if level is not None))
        for other, level in heard.items():
            check(level is not None, f"{who} heard nothing")
            if other == who:
                check(level < -45, f"{who} hears their own voice ({level:.1f} dB)")
            else:
                check(level > -35, f"{who} does not hear {other} ({level:.1f} dB)")
    alice = browsers["alice"]
    alice.wait(lambda: len(alice.all(".voice-person.speaking")) >= 2, 10, "speakers ringed in the bar")
    keep(alice, "voice")

    # Bob mutes himself: the others stop hearing his tone; his chip says so.
    bob = browsers["bob"]
    bob.click(".voice-mute")
    alice.wait(lambda: alice.all(".voice-person[data-user] .voice-muted"), 10, "Bob shown muted")
    time.sleep(2.5)
    quiet = alice.js(LEVEL_JS, TONES["bob"], 1.5)
    check(quiet < -45, f"Alice still hears Bob after he muted ({quiet:.1f} dB)")
    check(alice.js(LEVEL_JS, TONES["admin"], 1.5) > -35, "Alice lost the administrator when Bob muted")

    # Leaving: the seat is gone in every bar, and the leave is in the room's history.
    bob.click(".voice-leave")
    bob.wait(lambda: not bob.all(".voice-bar:not([hidden])"), 10, "Bob's bar gone")
    alice.wait(lambda: people_in_voice(alice) == 2, 10, "two left in Alice's bar")
    for b in browsers.values():
        if b.all(".voice-leave"):
            b.click(".voice-leave")
    errors = [line for b in browsers.values() for line in b.console_errors() if "voice" in line.lower()]
    check(not errors, f"console errors: {errors}")


def voice_mouth_to_ear(ctx):
    """A fourth browser's microphone plays a click each second; Bob, in the same voice, hears it.
    Each click is timed where it is captured (the capture worklet's frame, less the input latency)
    and where it will be heard (the decoded frame, plus what waits in the player and the output
    latency), in epoch milliseconds of the same machine: the difference is mouth-to-ear through
    the encoder, the WebSocket, the server's jitter buffer and mix, the decoder and the player.
    Printed (docs/benchmarks.md records it); the test checks only that clicks crossed."""
    from scenarios import ADMIN_PASSWORD, BOB  # noqa: PLC0415 - the suite's accounts
    clicker = voice_browser(ctx, "admin", ADMIN_PASSWORD, name="voice-clicker", audio_file=click_file(ctx.server.dir))
    bob = ctx.browsers.get("voice-bob") or voice_browser(ctx, "bob", BOB["password"])
    for b in (clicker, bob):
        if not b.all(".voice-bar:not([hidden])"):
            b.click("[data-action='voice']")
            b.wait(lambda b=b: b.all(".voice-bar:not([hidden])"), 10, "in the voice")
    time.sleep(7)
    spoken = clicker.js("return window.causerieVoice.media.clicks.spoken.times")
    heard = bob.js("return window.causerieVoice.media.clicks.heard.times")
    latencies = []
    for h in heard:
        before = [s for s in spoken if s < h and h - s < 900]
        if before:
            latencies.append(h - max(before))
    latencies.sort()
    print(f"  mouth-to-ear (ms): {[round(x) for x in latencies]}; spoken {len(spoken)}, heard {len(heard)}")
    check(len(latencies) >= 3, f"clicks did not cross: spoken {spoken}, heard {heard}")
    print(f"  mouth-to-ear median {latencies[len(latencies) // 2]:.0f} ms")
    for b in (clicker, bob):
        b.click(".voice-leave")
