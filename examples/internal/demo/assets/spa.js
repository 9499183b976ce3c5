// The examples' single-page demo (/spa): no snippet on the page; it loads
// the Messenger itself, as a single-page app would, and boots it from the
// adapter's settings endpoint, GET /intercom/settings. Signing in and out
// happens with fetch, without a page load, so the app tells the Messenger:
// Intercom("update", settings) after signing in, Intercom("shutdown") and a
// new Intercom("boot", settings) after signing out.
(function () {
  "use strict";
  var w = window, d = document, me = d.currentScript;
  var out = d.getElementById("spa-settings"), who = d.getElementById("signed-in");

  // Intercom's queueing stub: calls made before the widget arrives wait in q.
  var i = function () { i.c(arguments); };
  i.q = [];
  i.c = function (a) { i.q.push(a); };
  w.Intercom = i;
  var e = d.createElement("script");
  e.async = true;
  e.id = "IntercomWidgetScript"; // as the library's loader names it: added once
  e.src = me.getAttribute("data-widget");
  if (me.nonce) e.nonce = me.nonce;
  d.head.appendChild(e);

  function settings() {
    return fetch("/intercom/settings", {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) {
        if (!r.ok) throw new Error("GET /intercom/settings: HTTP " + r.status);
        return r.json();
      })
      .then(function (s) {
        out.textContent = "GET /intercom/settings \u2192 " + JSON.stringify(s, null, 2);
        who.textContent = s && s.user_id !== undefined ? "Signed in as " + (s.name || s.user_id) + "." : "Not signed in: an anonymous visitor.";
        return s;
      });
  }

  function post(path, form) {
    return fetch(path, {method: "POST", body: form, credentials: "same-origin"}).then(function (r) {
      if (!r.ok) throw new Error("POST " + path + ": HTTP " + r.status);
    });
  }

  function fail(err) { out.textContent = String(err); }

  settings().then(function (s) { if (s) w.Intercom("boot", s); }, fail);

  d.getElementById("spa-sign-in").addEventListener("click", function () {
    var f = new FormData();
    f.append("login", "jane");
    f.append("password", "jane-demo");
    post("/login", f).then(settings).then(function (s) { if (s) w.Intercom("update", s); }, fail);
  });
  d.getElementById("spa-sign-out").addEventListener("click", function () {
    post("/logout", new FormData()).then(function () {
      w.Intercom("shutdown");
      return settings();
    }).then(function (s) { if (s) w.Intercom("boot", s); }, fail);
  });
})();
