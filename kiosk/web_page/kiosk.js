// The kiosk page's own part, run before textual.js starts the terminal (window.onload):
// 1. wait for the fonts this server sends, so no glyph is drawn from a fallback font;
// 2. choose the largest font size that still gives at least 80x24 cells on this screen;
// 3. connect to the kiosk at this page's location (the path is written in by the server);
// 4. when a session ends, wait until the server answers and start a new one (or show
//    the server's busy page, which asks again by itself);
// 5. follow what the kiosk tells the page by moving it to a fragment (kiosk/app.py):
//    bigger type while a visitor has asked for large text, the language for <html lang>,
//    and what the kiosk reads aloud, played on this screen's speakers;
// 6. let a visitor's own screen reader follow the terminal.
(() => {
  "use strict";
  const MIN_COLUMNS = 80;
  const MIN_ROWS = 24;
  // textual.js gives xterm.js this family and measures cells with it, as xterm.js does.
  const TERMINAL_FONT = "'Roboto Mono', Monaco, 'Courier New', monospace";
  const FONT_WAIT_MS = 10000;
  const RETRY_MS = 1000;
  const MAX_RETRY_MS = 60000;
  // How many sessions in a row ended before the kiosk drew anything (kept across reloads).
  const REFUSED = "faelles-refused-sessions";
  // Large text: a quarter bigger (about 68x19 cells at 1920x1080); the kiosk's
  // screens scroll where they need more rows.
  const LARGE_TEXT = 1.25;

  // textual.js keeps its xterm.js terminal and the fit addon on one object and
  // shares it with nobody: note that object when it sets its fit addon.
  let textual = null;
  Object.defineProperty(Object.prototype, "fitAddon", {
    configurable: true,
    set(value) {
      Object.defineProperty(this, "fitAddon",
                            {value, writable: true, configurable: true, enumerable: true});
      textual = this;
    },
  });

  function waitForFonts() {
    const loads = [...document.fonts].map((face) => face.load().catch(() => null));
    const enough = new Promise((resolve) => setTimeout(resolve, FONT_WAIT_MS));
    return Promise.race([Promise.all(loads), enough]);
  }

  // The cell xterm.js will draw at this font size, in CSS pixels, measured as it does:
  // the width of "W" (its WebGL renderer rounds that down to device pixels, its canvas
  // renderer does not, so the wider one counts) and ascent plus descent, rounded up.
  function cellAt(size) {
    const context = new OffscreenCanvas(1, 1).getContext("2d");
    context.font = `${size}px ${TERMINAL_FONT}`;
    const metrics = context.measureText("W");
    const ratio = window.devicePixelRatio || 1;
    const height = metrics.fontBoundingBoxAscent + metrics.fontBoundingBoxDescent;
    return {width: metrics.width, height: Math.ceil(height * ratio) / ratio};
  }

  function fits(size, width, height) {
    const cell = cellAt(size);
    return Math.floor(width / cell.width) >= MIN_COLUMNS &&
           Math.floor(height / cell.height) >= MIN_ROWS;
  }

  // min(width / 80 / aspect, height / 24 / line height), then down a pixel at a time
  // until rounding to device pixels still leaves 80x24 cells.
  function fittingFontSize(width, height) {
    const sample = cellAt(100);
    let size = Math.floor(Math.min(width / MIN_COLUMNS / (sample.width / 100),
                                   height / MIN_ROWS / (sample.height / 100)));
    while (size > 6 && !fits(size, width, height)) {
      size -= 1;
    }
    return Math.max(size, 6);
  }

  function websocketUrl(path) {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${window.location.host}${path}`;
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  // A session that ended before the kiosk drew anything was refused (every session in
  // use, or the proxy's limit per address) or could not start: wait twice as long after
  // each such session, up to a minute, so that screens waiting for room do not hammer
  // the server. A session that drew something starts again at once.
  function pauseBeforeRetry(drew) {
    const refused = drew ? 0 : Number(sessionStorage.getItem(REFUSED) || 0) + 1;
    sessionStorage.setItem(REFUSED, String(refused));
    return refused ? Math.min(MAX_RETRY_MS, RETRY_MS * 2 ** (refused - 1)) : 0;
  }

  // textual.js marks the body "-closed" when the kiosk process ends or the server goes.
  // A kiosk has nobody to press "Restart": try again until the server answers.
  async function startAgain() {
    const drew = document.body.classList.contains("-first-byte");
    document.body.classList.remove("-first-byte");
    await sleep(pauseBeforeRetry(drew));
    for (;;) {
      try {
        const answer = await fetch(window.location.href, {cache: "no-store"});
        // 503 with Retry-After is the server's busy page: it says so on the screen
        // and asks again by itself (kiosk/web_page/busy.html).
        if (answer.ok || (answer.status === 503 && answer.headers.has("Retry-After"))) {
          window.location.reload();
          return;
        }
      } catch (error) {
        // The server is not back yet.
      }
      await sleep(RETRY_MS);
    }
  }

  function watchForTheEnd() {
    let ending = false;
    new MutationObserver(() => {
      if (!ending && document.body.classList.contains("-closed")) {
        ending = true;
        startAgain();
      }
    }).observe(document.body, {attributes: true, attributeFilter: ["class"]});
  }

  // The font size is fixed when the terminal starts. If the screen grows so that a
  // bigger font fits (a browser going full screen after it loaded the page), start
  // again at that size. When it shrinks (an on-screen keyboard), textual.js fits
  // fewer cells for a while, and the visitor's session goes on.
  function watchTheScreen(terminal, size) {
    let timer = null;
    window.addEventListener("resize", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (fittingFontSize(terminal.clientWidth, terminal.clientHeight) > size) {
          window.location.reload();
        }
      }, 500);
    });
  }

  // #text-large or #text-normal when a visitor presses F2 or "Large text".
  function showLargeText(large, size) {
    if (!textual || !textual.terminal) {
      return;
    }
    textual.terminal.options.fontSize = large ? Math.round(size * LARGE_TEXT) : size;
    textual.fit();  // fewer cells now: textual.js tells the kiosk its new size
  }

  // #speak=/speech/TOKEN/N: the kiosk runs on the server, so what it reads aloud is
  // played here, where the visitor stands. A new utterance cuts off the one before.
  function speak(url) {
    const audio = document.getElementById("speech");
    audio.pause();
    if (!url) {
      return;  // #speak-stop: reading aloud was switched off
    }
    audio.src = url;
    audio.dataset.started = String(Number(audio.dataset.started || 0) + 1);
    audio.play().catch((error) => console.warn("speech not played:", error.name));
  }

  // The kiosk moves the page to a fragment to tell it something (textual-serve passes
  // open_url on to the page); the page does not reload for a fragment.
  function followTheKiosk(size) {
    window.addEventListener("hashchange", () => {
      const fragment = window.location.hash;
      if (fragment === "#text-large" || fragment === "#text-normal") {
        showLargeText(fragment === "#text-large", size);
      } else if (/^#lang=[a-z]{2,3}(-[A-Za-z0-9]+)*$/.test(fragment)) {
        document.documentElement.lang = fragment.slice("#lang=".length);
      } else if (/^#speak=\/speech\/[\w-]+\/\d+$/.test(fragment)) {
        speak(fragment.slice("#speak=".length));
      } else if (fragment === "#speak-stop") {
        speak(null);
      }
    });
  }

  // xterm.js keeps a copy of the screen's text for screen readers (textual.js creates
  // the terminal without it, and its options can change afterwards). In that mode
  // xterm.js leaves text typed without a key press (an on-screen keyboard, an emoji
  // or input method panel) to the screen reader and never sends it: "på" arrived as
  // "p". So the page sends such text itself, as xterm.js does outside that mode.
  function followAScreenReader() {
    const input = document.querySelector(".xterm-helper-textarea");
    if (!textual || !textual.terminal || !input) {
      return;
    }
    textual.terminal.options.screenReaderMode = true;
    let keyDown = false;
    input.addEventListener("keydown", () => { keyDown = true; });
    input.addEventListener("keyup", () => { keyDown = false; });
    input.addEventListener("input", (event) => {
      if (event.data && event.inputType === "insertText" && (!event.composed || !keyDown) &&
          textual.terminal.options.screenReaderMode) {
        textual.terminal.input(event.data);
      }
    });
  }

  const startTerminal = window.onload;
  window.onload = async (event) => {
    await waitForFonts();
    const terminal = document.getElementById("terminal");
    const size = fittingFontSize(terminal.clientWidth, terminal.clientHeight);
    terminal.dataset.fontSize = String(size);
    terminal.dataset.sessionWebsocketUrl = websocketUrl(terminal.dataset.sessionWebsocketUrl);
    watchForTheEnd();
    startTerminal(event);
    followAScreenReader();
    // A visitor with a keyboard (or a switch) must not have to touch the screen first.
    document.querySelector(".xterm-helper-textarea")?.focus();
    watchTheScreen(terminal, size);
    followTheKiosk(size);
  };
})();
