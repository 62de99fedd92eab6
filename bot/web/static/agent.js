/* The assist console: suggestions, caller lookup and actions, hand-over queue. Uses /agent/api/ only. */
(function () {
  "use strict";
  var csrf = null;
  var current = { number: null, ticket: null, question: null };

  function $(id) { return document.getElementById(id); }

  function node(tag, className, text) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    if (text !== undefined) { el.textContent = text; }
    return el;
  }

  function api(path, body) {
    var options = { headers: { "Content-Type": "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      options.method = "POST";
      options.body = JSON.stringify(body);
      options.headers["X-CSRF-Token"] = csrf;
    }
    return fetch("/agent/api/" + path, options).then(function (reply) {
      if (reply.status === 401) { window.location.href = "/agent/login"; throw new Error("Bitte neu anmelden."); }
      return reply.json().then(function (data) {
        if (!reply.ok) { throw new Error(data.error || "Fehler"); }
        return data;
      });
    });
  }

  /* --- suggestions ------------------------------------------------------------------ */
  function showSuggestions(question, result) {
    var list = $("suggestions");
    list.textContent = "";
    if (!result.confident) {
      $("suggest-state").textContent = "Der Assistent ist sich nicht sicher: Keine Antwort passt eindeutig. " +
        "Bitte selbst klären oder nachfragen." + (result.suggestions.length ? " Mögliche Themen:" : "");
    } else {
      $("suggest-state").textContent = "Der Assistent würde die erste Antwort geben.";
    }
    result.suggestions.forEach(function (s, index) {
      var item = node("li");
      item.appendChild(node("strong", "", s.title + " (" + Math.round(s.confidence * 100) + " %)"));
      if (result.confident || index === 0) {
        item.appendChild(node("p", "answer", s.answer));
      }
      var actions = node("div", "actions");
      var copy = node("button", "secondary", "Kopieren");
      copy.type = "button";
      copy.setAttribute("aria-label", "Antwort kopieren: " + s.title);
      copy.addEventListener("click", function () {
        if (navigator.clipboard) { navigator.clipboard.writeText(s.answer); }
        $("suggest-state").textContent = "Antwort kopiert.";
      });
      actions.appendChild(copy);
      [[true, "Passt"], [false, "Passt nicht"]].forEach(function (pair) {
        var button = node("button", "secondary", pair[1]);
        button.type = "button";
        button.setAttribute("aria-label", pair[1] + ": " + s.title);
        button.addEventListener("click", function () {
          api("suggest/feedback", { question: question, topic: s.topic, fits: pair[0] })
            .then(function () { $("suggest-state").textContent = "Danke, Rückmeldung gespeichert."; })
            .catch(function (e) { $("suggest-state").textContent = e.message; });
        });
        actions.appendChild(button);
      });
      item.appendChild(actions);
      list.appendChild(item);
    });
  }

  /* --- caller lookup ---------------------------------------------------------------- */
  function showCaller(view) {
    var list = $("caller-data");
    list.textContent = "";
    function row(label, value) {
      list.appendChild(node("dt", "", label));
      list.appendChild(node("dd", "", value));
    }
    row("Versichertennummer", view.insurance_number);
    row("Name", view.initials);
    row("Status", view.state + (view.registered_on ? " (seit " + view.registered_on + ")" : ""));
    row("2FA-Gerät", view.twofa_device ? "registriert" : "keins");
    row("Identifizierung", view.identification_locked ? "gesperrt bzw. verzögert" : "nicht gesperrt");
    row("Briefe", view.letters.length ? view.letters.map(function (l) {
      return l.date + " " + l.kind + " (" + l.status + ", " + l.reference + ")";
    }).join("; ") : "keine");
    row("Offene Freigaben", view.pending_approvals.length ? view.pending_approvals.map(function (a) {
      return a.kind + ": " + a.value + " (noch " + Math.ceil(a.seconds_left / 60) + " min)";
    }).join("; ") : "keine");
    $("caller").hidden = false;
  }

  /* --- hand-over -------------------------------------------------------------------- */
  function renderQueue(data) {
    var list = $("queue");
    list.textContent = "";
    $("queue-empty").hidden = data.tickets.length > 0;
    data.tickets.forEach(function (t) {
      var item = node("li");
      var label = "Chat " + t.id.slice(0, 6) + " – wartet seit " + Math.floor(t.waiting_seconds / 60) + " min" +
        (t.status === "taken" ? (t.mine ? " (von Ihnen übernommen)" : " (übernommen)") : "");
      item.appendChild(node("span", "", label + " "));
      if (t.status === "waiting") {
        var take = node("button", "primary", "Übernehmen");
        take.type = "button";
        take.setAttribute("aria-label", "Chat " + t.id.slice(0, 6) + " übernehmen");
        take.addEventListener("click", function () {
          api("handover/" + t.id + "/take", {}).then(function () { open(t.id); })
            .catch(function (e) { window.alert(e.message); });
        });
        item.appendChild(take);
      } else if (t.mine && current.ticket !== t.id) {
        var resume = node("button", "secondary", "Öffnen");
        resume.type = "button";
        resume.addEventListener("click", function () { open(t.id); });
        item.appendChild(resume);
      }
      list.appendChild(item);
    });
  }

  function renderTranscript(data) {
    var box = $("transcript");
    var atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 10;
    box.textContent = "";
    data.messages.forEach(function (m) {
      var who = m.from === "member" ? "Mitglied" : (m.from === "agent" ? "Sie" : "Assistent");
      box.appendChild(node("p", m.from, who + ": " + m.text));
    });
    if (atBottom) { box.scrollTop = box.scrollHeight; }
  }

  function open(ticket) {
    current.ticket = ticket;
    $("handover").hidden = false;
    poll();
    $("reply").focus();
  }

  function poll() {
    api("handover").then(renderQueue).catch(function () {});
    if (current.ticket) {
      api("handover/" + current.ticket + "/messages").then(renderTranscript).catch(function () {});
    }
  }

  function init() {
    api("session").then(function (s) { csrf = s.csrf_token; });
    $("suggest-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var question = $("question").value;
      $("suggest-state").textContent = "Einen Moment …";
      api("suggest", { question: question }).then(function (r) { showSuggestions(question, r); })
        .catch(function (e) { $("suggest-state").textContent = e.message; });
    });
    $("lookup-form").addEventListener("submit", function (event) {
      event.preventDefault();
      $("caller").hidden = true;
      current.number = $("number").value;
      api("lookup", { insurance_number: current.number, identity_checked: $("identity-checked").checked })
        .then(function (view) { $("lookup-state").textContent = ""; showCaller(view); })
        .catch(function (e) { $("lookup-state").textContent = e.message; });
    });
    $("resend").addEventListener("click", function () {
      api("letters/resend", { insurance_number: current.number })
        .then(function (r) { $("lookup-state").textContent = r.message; })
        .catch(function (e) { $("lookup-state").textContent = e.message; });
    });
    if ($("unlock-form")) {
      $("unlock-form").addEventListener("submit", function (event) {
        event.preventDefault();
        api("unlock", { insurance_number: current.number, reason: $("unlock-reason").value })
          .then(function (r) { $("lookup-state").textContent = r.message; })
          .catch(function (e) { $("lookup-state").textContent = e.message; });
      });
    }
    $("reply-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var text = $("reply").value;
      if (!text.trim() || !current.ticket) { return; }
      api("handover/" + current.ticket + "/reply", { text: text })
        .then(function () { $("reply").value = ""; poll(); })
        .catch(function (e) { window.alert(e.message); });
    });
    $("close-handover").addEventListener("click", function () {
      api("handover/" + current.ticket + "/close", {}).then(function () {
        current.ticket = null;
        $("handover").hidden = true;
        poll();
      }).catch(function (e) { window.alert(e.message); });
    });
    poll();
    window.setInterval(poll, 2000);
  }

  document.addEventListener("DOMContentLoaded", init);
})();
