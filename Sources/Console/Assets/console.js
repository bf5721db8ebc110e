// Escort console: live updates over WebSocket, decisions over POST with the CSRF token,
// keyboard shortcuts (A approve, R refuse). No third-party code here; asciinema-player is
// loaded from /vendor when the setup step installed it.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf"]');
  const token = csrf ? csrf.content : "";
  const wsURL = (path) => (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;

  function post(path, fields) {
    const body = new URLSearchParams(fields || {});
    body.set("csrf", token);
    return fetch(path, { method: "POST", headers: { "X-CSRF-Token": token }, body: body, credentials: "same-origin" })
      .then((r) => r.json().catch(() => ({ ok: false, error: "HTTP " + r.status })));
  }

  // The page's title carries a badge while something waits, so an escort on another tab sees it.
  const baseTitle = document.title;
  const badge = (text) => { document.title = text ? text + " — " + baseTitle : baseTitle; };

  // The queue: replaced whenever the server's view changes.
  const queue = document.getElementById("queue");
  if (queue) {
    const countHeld = () => document.querySelectorAll("#queue tr.held").length;
    const show = () => { const n = countHeld(); badge(n ? "(" + n + ") held" : ""); };
    show();
    const ws = new WebSocket(wsURL("/ws/queue"));
    ws.onmessage = () => {
      fetch("/", { credentials: "same-origin" }).then((r) => r.text()).then((html) => {
        const doc = new DOMParser().parseFromString(html, "text/html");
        const fresh = doc.getElementById("queue");
        if (fresh) document.getElementById("queue").replaceWith(fresh);
        show();
      });
    };
  }

  const session = document.getElementById("session");
  if (session) {
    const id = session.dataset.session;
    const status = document.getElementById("status");
    const notices = document.getElementById("notices");
    const slot = document.getElementById("card-slot");
    const say = (text) => { status.textContent = text; };
    const notice = (text) => {
      const li = document.createElement("li");
      li.textContent = new Date().toLocaleTimeString() + " " + text;
      notices.prepend(li);
    };

    // An optional sound for a new held command (the escort's choice, remembered in this browser).
    const sound = document.getElementById("sound");
    if (sound) {
      sound.checked = localStorage.getItem("escort-sound") === "on";
      sound.onchange = () => localStorage.setItem("escort-sound", sound.checked ? "on" : "off");
    }
    function chime() {
      if (!sound || !sound.checked) return;
      try {
        const ctx = new (window.AudioContext || window.webkitAudioContext)();
        const o = ctx.createOscillator(); const g = ctx.createGain();
        o.frequency.value = 880; g.gain.value = 0.15; o.connect(g); g.connect(ctx.destination);
        o.start(); o.stop(ctx.currentTime + 0.25);
      } catch (e) { /* no audio: the title badge still shows it */ }
    }

    // The live terminal, at the session's own width: asciinema-player's websocket driver (raw
    // protocol) if installed, else text that scrolls sideways rather than shrinking.
    const term = document.getElementById("terminal");
    const cols = parseInt(session.dataset.cols || "100", 10), rows = parseInt(session.dataset.rows || "28", 10);
    if (session.dataset.player === "true" && window.AsciinemaPlayer) {
      window.AsciinemaPlayer.create({ driver: "websocket", url: wsURL("/ws/sessions/" + id + "/terminal"), bufferTime: 0 }, term,
        { cols: cols, rows: rows, autoPlay: true, fit: "width" });
    } else {
      const tws = new WebSocket(wsURL("/ws/sessions/" + id + "/terminal"));
      tws.binaryType = "arraybuffer";
      const decoder = new TextDecoder();
      tws.onmessage = (m) => {
        term.textContent += decoder.decode(m.data, { stream: true }).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");
        term.scrollTop = term.scrollHeight;
      };
    }

    // Deciding. A new card accepts nothing for a moment (it flashes as new), and for the settle
    // time after this page's last decision, so a second press meant for the card just decided
    // cannot land on the one that replaced it (the server refuses it as well). A high card's
    // Approve opens a confirm step tied to that hold and digest; A again (after a short settle)
    // confirms. A critical card needs the hold number typed.
    const READ_MS = 200, SETTLE_MS = 1500, CONFIRM_MS = 150;
    let lastDecision = 0;
    let armedAt = 0;
    let pending = null;          // the confirm step open: { hold, digest, at }
    let current = null;          // the card bound now: { hold, digest, risk, confirm }

    function confirmStep(text) {
      const step = document.getElementById("confirm-step");
      if (!step) return;
      step.hidden = !text;
      step.textContent = text || "";
    }
    function cancelConfirm(why) {
      if (!pending) return;
      pending = null;
      confirmStep("");
      if (why) say(why);
    }
    function decided(r) {
      if (r.ok) lastDecision = Date.now();
      say(r.ok ? r.message : r.error);
    }
    function approveHold() {
      const card = document.getElementById("held");
      if (!card || !current || card.dataset.hold !== current.hold || card.dataset.digest !== current.digest) return;
      if (Date.now() < armedAt) { say("A new card: read it before deciding."); return; }
      const fields = { hold: current.hold, digest: current.digest };
      const confirmField = document.getElementById("confirm");
      if (confirmField) {
        if (confirmField.value.trim() !== current.hold) { say("Type " + current.hold + " in the box to approve this command."); confirmField.focus(); return; }
        fields.confirm = confirmField.value.trim();
      } else if (current.confirm) {
        if (!pending || pending.hold !== current.hold || pending.digest !== current.digest) {
          pending = { hold: current.hold, digest: current.digest, at: Date.now() };
          const text = (card.querySelector("pre.command") || {}).textContent || "";
          confirmStep("Approve hold #" + current.hold + " (" + current.risk.toUpperCase() + " risk): " + text.slice(0, 200) +
            " ? Press A again to confirm, Esc to cancel.");
          say("Confirm hold #" + current.hold + ": press A again, or Esc to cancel.");
          return;
        }
        if (Date.now() - pending.at < CONFIRM_MS) return;   // a bounce, not a second deliberate press
        fields.confirm = current.hold;
        pending = null;
        confirmStep("");
      }
      post("/sessions/" + id + "/approve", fields).then(decided);
    }
    function bindCard() {
      pending = null;
      const card = document.getElementById("held");
      if (!card) { current = null; badge(""); return; }
      current = { hold: card.dataset.hold, digest: card.dataset.digest, risk: card.dataset.risk || "", confirm: card.dataset.confirm === "true" };
      const wait = Math.max(READ_MS, SETTLE_MS - (Date.now() - lastDecision));
      armedAt = Date.now() + wait;
      card.classList.add("new");
      const buttons = [document.getElementById("approve"), document.getElementById("refuse")];
      buttons.forEach((b) => { if (b) b.disabled = true; });
      const bound = current.hold;
      setTimeout(() => {
        if (!current || current.hold !== bound) return;
        buttons.forEach((b) => { if (b) b.disabled = false; });
        card.classList.remove("new");
      }, wait);
      badge("● Held #" + current.hold + " " + current.risk.toUpperCase());
      document.getElementById("approve").onclick = approveHold;
      document.getElementById("refuse").onclick = () => {
        if (Date.now() < armedAt) { say("A new card: read it before deciding."); return; }
        const reason = document.getElementById("reason").value.trim();
        if (!reason) { say("A refusal needs a reason."); document.getElementById("reason").focus(); return; }
        post("/sessions/" + id + "/refuse", { hold: current.hold, digest: current.digest, reason: reason }).then(decided);
      };
    }
    bindCard();
    document.getElementById("pause").onclick = () => post("/sessions/" + id + "/pause").then((r) => say(r.ok ? r.message : r.error));
    document.getElementById("resume").onclick = () => post("/sessions/" + id + "/resume").then((r) => say(r.ok ? r.message : r.error));
    document.getElementById("end").onclick = () => {
      if (confirm("End this session for the engineer?")) post("/sessions/" + id + "/end").then((r) => say(r.ok ? r.message : r.error));
    };
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { cancelConfirm("Cancelled: nothing was approved."); if (e.target.tagName === "INPUT") e.target.blur(); return; }
      if (e.target.tagName === "INPUT") return;
      if (e.key === "a" || e.key === "A") {
        if (!document.getElementById("held")) return;
        e.preventDefault();
        // Critical: A only moves to the box where the hold number is typed.
        if (document.getElementById("confirm")) { document.getElementById("confirm").focus(); return; }
        approveHold();
      }
      if ((e.key === "r" || e.key === "R") && document.getElementById("reason")) { e.preventDefault(); cancelConfirm(); document.getElementById("reason").focus(); }
    });

    const ews = new WebSocket(wsURL("/ws/sessions/" + id + "/events"));
    ews.onmessage = (m) => {
      const e = JSON.parse(m.data);
      if (e.type === "attached") say("Watching as " + e.role + ".");
      if (e.type === "held") {
        const isNew = !current || current.hold !== String(e.id);
        slot.innerHTML = e.html; bindCard();
        if (isNew) { chime(); say("A command is waiting for your decision."); }
      }
      if (e.type === "resolved") {
        slot.innerHTML = '<p id="no-held">No command is waiting for a decision.</p>'; bindCard();
        notice("#" + e.id + " " + e.outcome); say("#" + e.id + " " + e.outcome);
      }
      if (e.type === "notice") notice(e.text);
      if (e.type === "ended") { bindCard(); notice("Session ended: " + e.text); say("Session ended: " + e.text); badge("ended"); }
    };
    ews.onclose = (e) => { if (e.code >= 4000) say("Disconnected: " + (e.reason || e.code)); };
  }

  const replay = document.getElementById("replay");
  if (replay && window.AsciinemaPlayer) {
    const player = window.AsciinemaPlayer.create(replay.dataset.src, replay, { cols: 100, rows: 28, fit: "width" });
    document.querySelectorAll("button.seek").forEach((b) => { b.onclick = () => { player.seek(parseFloat(b.dataset.time)); player.play(); }; });
  }
})();
