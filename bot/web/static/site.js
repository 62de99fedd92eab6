/* The demo website: mounts the widget; in demo mode the demo login and the stand-in for the insurer's app. */
(function () {
  "use strict";
  var session = null;
  var timer = null;

  function $(id) { return document.getElementById(id); }

  function api(path, options) {
    options = options || {};
    options.headers = Object.assign({ "Content-Type": "application/json" }, options.headers || {});
    if (session) { options.headers.Authorization = "Bearer " + session.token; }
    return fetch(path, options).then(function (reply) {
      return reply.json().then(function (body) {
        if (!reply.ok) { throw new Error(body.error || "Fehler"); }
        return body;
      });
    });
  }

  function minutes(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s + " min";
  }

  function renderRequests(requests) {
    var list = $("app-requests");
    list.textContent = "";
    $("app-empty").textContent = requests.length ? "" : "Keine offenen Freigaben.";
    requests.forEach(function (request) {
      var item = document.createElement("li");
      var title = document.createElement("p");
      title.textContent = request.kind + ": " + request.value + " (noch " + minutes(request.seconds_left) + ")";
      item.appendChild(title);
      var actions = document.createElement("div");
      actions.className = "actions";
      [["approve", "Freigeben"], ["reject", "Ablehnen"]].forEach(function (pair) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = pair[0];
        button.textContent = pair[1];
        button.setAttribute("aria-label", pair[1] + ": " + request.kind);
        button.addEventListener("click", function () {
          api("/demo/app/requests/" + encodeURIComponent(request.id) + "/" + pair[0], { method: "POST" })
            .then(function (result) {
              $("app-result").textContent = result.status === "applied" ? "Freigegeben." : "Abgelehnt.";
              refresh();
            })
            .catch(function (error) { $("app-result").textContent = error.message; refresh(); });
        });
        actions.appendChild(button);
      });
      item.appendChild(actions);
      list.appendChild(item);
    });
  }

  function refresh() {
    if (!session) { return; }
    api("/demo/app/requests").then(renderRequests).catch(function (error) { $("app-empty").textContent = error.message; });
  }

  function setSession(newSession) {
    session = newSession;
    if (session) {
      sessionStorage.setItem("demo-session", JSON.stringify(session));
    } else {
      sessionStorage.removeItem("demo-session");
    }
    $("login-state").textContent = session ? "Angemeldet als " + session.name + "." : "Nicht angemeldet.";
    $("logout").hidden = !session;
    window.OnlineFilialeChat.setToken(session ? session.token : null);
    clearInterval(timer);
    if (session) {
      refresh();
      timer = setInterval(refresh, 2000);
    } else {
      $("app-requests").textContent = "";
      $("app-empty").textContent = "Bitte zuerst im Demo-Login anmelden.";
    }
  }

  function demo() {
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem("demo-session") || "null"); } catch (e) { saved = null; }
    api("/demo/members").then(function (members) {
      var select = $("login-member");
      members.forEach(function (member) {
        var option = document.createElement("option");
        option.value = member.number;
        option.textContent = member.name + " (" + member.number + ")";
        select.appendChild(option);
      });
    });
    $("login-form").addEventListener("submit", function (event) {
      event.preventDefault();
      api("/demo/login", { method: "POST", body: JSON.stringify({ number: $("login-member").value }) })
        .then(setSession)
        .catch(function (error) { $("login-state").textContent = error.message; });
    });
    $("logout").addEventListener("click", function () { setSession(null); });
    if (saved) { setSession(saved); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem("demo-session") || "null"); } catch (e) { saved = null; }
    window.OnlineFilialeChat.mount({ token: saved ? saved.token : null });
    if ($("demo-login")) { demo(); }
  });
})();
