// The preview's phone: each key press replays the call on the server with every key pressed so far,
// then shows the new steps and plays any prompt audio. Plain JavaScript, no build step.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const callUrl = document.querySelector("main").dataset.callUrl;
  const list = $("transcript");
  const status = $("status");
  const nowText = $("now-text");
  const player = $("player");
  const OUTCOMES = {
    completed: "sekretariatet svarede",
    busy: "optaget",
    "no-answer": "ingen svarede",
    failed: "forbindelsen mislykkedes",
  };
  const ENDS = {
    hangup: "Linjen lagde på.",
    completed: "Linjen havde ikke mere at sige, så opkaldet sluttede.",
    caller: "Du lagde på.",
    error: "Linjen fejlede",
  };
  let call = null; // {keys, at, dial, shown}
  let busy = false; // a request is on its way
  let again = false; // keys were pressed meanwhile: send once more when it is back
  let queue = [];

  function describe(step) {
    switch (step.kind) {
      case "say": return ["line", "Linjen siger:", step.text];
      case "play": return ["line", "Linjen afspiller:", step.text || step.audio];
      case "pause": return ["system", "", `pause i ${step.seconds} s`];
      case "gather": return ["system", "", `venter på en tast (${step.seconds} s) …`];
      case "keys": return ["caller", "Du trykker:", step.keys];
      case "speech": return ["caller", "Du siger:", `"${step.text}"`];
      case "silence": return ["caller", "Du trykker ikke på noget", `(${step.seconds} s stilhed)`];
      case "dial": return ["system", "Linjen stiller om til", `${step.number}: ${OUTCOMES[step.outcome]}`];
      case "hangup": return ["end", "", "Linjen lægger på."];
      case "unknown": return ["end", "Ukendt TwiML:", step.text];
      case "end": return ["end", "Opkaldet er slut:", ENDS[step.outcome] + (step.outcome === "error" ? `: ${step.text}` : "")];
      default: return null; // a redirect is the line's own bookkeeping
    }
  }

  function show(step) {
    const parts = describe(step);
    if (parts === null) return;
    const [kind, who, text] = parts;
    const item = document.createElement("li");
    item.className = kind;
    item.dataset.kind = step.kind;
    if (who) {
      const label = document.createElement("span");
      label.className = "who";
      label.textContent = who;
      item.append(label);
    }
    item.append(document.createTextNode(text));
    if (step.kind === "play" && step.audio) {
      const link = document.createElement("a");
      link.href = step.audio;
      link.textContent = " (lydfil)";
      item.append(link);
      queue.push(step.audio);
    }
    list.append(item);
    if (step.kind === "say" || step.kind === "play") nowText.textContent = text;
  }

  function playNext() {
    if (!player.paused || queue.length === 0) return;
    player.hidden = false;
    player.src = queue.shift();
    player.play().catch(() => { /* the browser may refuse sound before a click; the file stays linked */ });
  }

  function stopSound() {
    queue = [];
    player.pause();
  }

  function setCalling(on) {
    document.querySelectorAll(".key, #silence, #hangup, #said, #say").forEach((button) => { button.disabled = !on; });
    $("start").disabled = on;
    $("at").disabled = on;
    $("dial").disabled = on;
    if ($("line")) $("line").disabled = on;
    if ($("draft")) $("draft").disabled = on;
  }

  async function send() {
    busy = true;
    try {
      const response = await fetch(callUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ keys: call.keys, at: call.at, dial: call.dial, line: call.line, draft: call.draft }),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const answer = await response.json();
      answer.steps.slice(call.shown).forEach(show);
      call.shown = answer.steps.length;
      const open = answer.open ? "åbent" : "lukket";
      status.textContent = answer.waiting
        ? `Linjen venter på en tast. Sekretariatet har ${open} på det valgte tidspunkt.`
        : "Opkaldet er slut.";
      if (!answer.waiting) finish();
      playNext();
    } catch (error) {
      status.textContent = `Serveren svarede ikke som ventet (${error.message}).`;
      finish();
    } finally {
      busy = false;
      if (again && call !== null) {
        again = false;
        send();
      }
    }
  }

  function finish() {
    call = null;
    setCalling(false);
    $("start").textContent = "Ring op igen";
  }

  function start() {
    stopSound();
    list.replaceChildren();
    nowText.textContent = "";
    again = false;
    call = { keys: [], at: $("at").value, dial: $("dial").value, line: $("line") ? $("line").value : null,
             draft: $("draft") ? $("draft").checked : false, shown: 0 };
    setCalling(true);
    status.textContent = "Ringer op …";
    send();
  }

  function press(key) {
    if (call === null) return;
    stopSound(); // a key interrupts the prompt, as on the phone
    call.keys.push(key);
    if (busy) again = true; // the next request replays this key too
    else send();
  }

  function hangUp() {
    if (call === null) return;
    stopSound();
    show({ kind: "end", outcome: "caller" });
    status.textContent = "Opkaldet er slut.";
    finish();
  }

  player.addEventListener("ended", playNext);
  $("start").addEventListener("click", start);
  // Another line: its own page, with its own title and menu.
  if ($("line")) {
    $("line").addEventListener("change", () => {
      location.search = "?line=" + encodeURIComponent($("line").value);
    });
  }
  $("silence").addEventListener("click", () => press("T"));
  $("hangup").addEventListener("click", hangUp);
  if ($("speech")) {
    // What is typed is said to the line, as Twilio would hear it (braces mark speech in the call's script).
    $("speech").addEventListener("submit", (event) => {
      event.preventDefault();
      const said = $("said").value.replace(/[{}]/g, "").trim();
      if (said) press(`{${said}}`);
      $("said").value = "";
    });
  }
  document.querySelectorAll(".key").forEach((button) => {
    button.addEventListener("click", () => press(button.dataset.key));
  });
})();
