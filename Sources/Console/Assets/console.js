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

  // The queue: replaced whenever the server's view changes.
  const queue = document.getElementById("queue");
  if (queue) {
    const ws = new WebSocket(wsURL("/ws/queue"));
    ws.onmessage = () => {
      fetch("/", { credentials: "same-origin" }).then((r) => r.text()).then((html) => {
        const doc = new DOMParser().parseFromString(html, "text/html");
        const fresh = doc.getElementById("queue");
        if (fresh) document.getElementById("queue").replaceWith(fresh);
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
    const notice = (text) => { const li = document.createElement("li"); li.textContent = text; notices.prepend(li); };

    // The live terminal: asciinema-player's websocket driver (raw protocol) if installed, else text.
    const term = document.getElementById("terminal");
    if (session.dataset.player === "true" && window.AsciinemaPlayer) {
      window.AsciinemaPlayer.create({ driver: "websocket", url: wsURL("/ws/sessions/" + id + "/terminal"), bufferTime: 0 }, term,
        { cols: 100, rows: 28, autoPlay: true, fit: "width" });
    } else {
      const tws = new WebSocket(wsURL("/ws/sessions/" + id + "/terminal"));
      tws.binaryType = "arraybuffer";
      const decoder = new TextDecoder();
      tws.onmessage = (m) => {
        term.textContent += decoder.decode(m.data, { stream: true }).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");
        term.scrollTop = term.scrollHeight;
      };
    }

    function bindCard() {
      const card = document.getElementById("held");
      if (!card) return;
      const hold = card.dataset.hold;
      const digest = card.dataset.digest;
      // A new card cannot be decided at once: the server refuses for a settle time after a
      // decision, and the buttons stay disabled while the escort reads it.
      const buttons = [document.getElementById("approve"), document.getElementById("refuse")];
      buttons.forEach((b) => { b.disabled = true; });
      setTimeout(() => buttons.forEach((b) => { b.disabled = false; }), 1500);
      document.getElementById("approve").onclick = () => {
        const confirmField = document.getElementById("confirm");
        const fields = { hold: hold, digest: digest };
        if (confirmField) {
          if (confirmField.value.trim() !== hold) { say("Type " + hold + " in the box to approve this command."); confirmField.focus(); return; }
          fields.confirm = confirmField.value.trim();
        }
        post("/sessions/" + id + "/approve", fields).then((r) => say(r.ok ? r.message : r.error));
      };
      document.getElementById("refuse").onclick = () => {
        const reason = document.getElementById("reason").value.trim();
        if (!reason) { say("A refusal needs a reason."); document.getElementById("reason").focus(); return; }
        post("/sessions/" + id + "/refuse", { hold: hold, digest: digest, reason: reason }).then((r) => say(r.ok ? r.message : r.error));
      };
    }
    bindCard();
    document.getElementById("pause").onclick = () => post("/sessions/" + id + "/pause").then((r) => say(r.ok ? r.message : r.error));
    document.getElementById("resume").onclick = () => post("/sessions/" + id + "/resume").then((r) => say(r.ok ? r.message : r.error));
    document.getElementById("end").onclick = () => {
      if (confirm("End this session for the engineer?")) post("/sessions/" + id + "/end").then((r) => say(r.ok ? r.message : r.error));
    };
    document.addEventListener("keydown", (e) => {
      if (e.target.tagName === "INPUT") return;
      // One key never approves a high or critical command: A only moves to its confirmation box.
      if (e.key === "a" && document.getElementById("confirm")) { e.preventDefault(); document.getElementById("confirm").focus(); return; }
      if (e.key === "a" && document.getElementById("approve")) { e.preventDefault(); document.getElementById("approve").click(); }
      if (e.key === "r" && document.getElementById("reason")) { e.preventDefault(); document.getElementById("reason").focus(); }
    });

    const ews = new WebSocket(wsURL("/ws/sessions/" + id + "/events"));
    ews.onmessage = (m) => {
      const e = JSON.parse(m.data);
      if (e.type === "attached") say("Watching as " + e.role + ".");
      if (e.type === "held") { slot.innerHTML = e.html; bindCard(); say("A command is waiting for your decision."); }
      if (e.type === "resolved") { slot.innerHTML = '<p id="no-held">No command is waiting for a decision.</p>'; notice("#" + e.id + " " + e.outcome); say("#" + e.id + " " + e.outcome); }
      if (e.type === "notice") notice(e.text);
      if (e.type === "ended") { notice("Session ended: " + e.text); say("Session ended: " + e.text); }
    };
    ews.onclose = (e) => { if (e.code >= 4000) say("Disconnected: " + (e.reason || e.code)); };
  }

  const replay = document.getElementById("replay");
  if (replay && window.AsciinemaPlayer) {
    const player = window.AsciinemaPlayer.create(replay.dataset.src, replay, { cols: 100, rows: 28, fit: "width" });
    document.querySelectorAll("button.seek").forEach((b) => { b.onclick = () => { player.seek(parseFloat(b.dataset.time)); player.play(); }; });
  }
})();
