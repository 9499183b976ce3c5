// The examples' local stand-in for Intercom's Messenger widget (this
// project's own code, not Intercom's). The examples load it through
// Config.WidgetURL when they run with the demo app id, so that a newcomer
// sees what the page sent: a launcher bubble at the bottom right and a panel
// with the settings the widget received, whether their user_hash verifies,
// and the Messenger calls as they arrive.
//
// It does to the page what the real widget does with the loader's stub: it
// reads window.intercomSettings and the calls queued on window.Intercom.q,
// boots, replaces window.Intercom with its own function, appends its elements
// to <body> (which Turbo and htmx replace on navigation: Intercom's
// "reattach_activator" puts them back) and keeps a session cookie that
// "shutdown" ends.
//
// window.__intercomStandIn is its machine-readable record, for the browser
// tests: loads (one entry per time this script ran: it must run once per
// document), calls (every call in order: method, args, the page's path, and
// source "settings", "queue" or "call"), booted, settings, verification,
// attached (whether its launcher is in the document).
//
// It writes text only through textContent, never markup, so hostile
// settings show as text. Styles are set through the CSSOM (element.style),
// which no Content-Security-Policy restricts.
(function () {
  "use strict";
  var w = window, d = document, me = d.currentScript;
  var load = {src: me ? me.src : null, nonce: me ? me.nonce : null, path: location.pathname + location.search};
  if (w.__intercomStandIn) {
    // The loader must never load the widget twice: record it and do nothing.
    w.__intercomStandIn.loads.push(load);
    return;
  }

  var rec = w.__intercomStandIn = {
    loads: [load],
    calls: [],
    booted: false,
    settings: null,
    verification: null
  };
  Object.defineProperty(rec, "attached", {enumerable: true, get: function () { return root.isConnected; }});
  var openKey = "intercom-standin-open";
  var panelOpen = readOpen();
  var composer = null; // the text of the last showNewMessage
  var handlers = {};   // onShow, onHide, ... callbacks
  var verifySeq = 0;

  // copy returns v as plain JSON data (functions become "[function]").
  function copy(v) {
    if (v === undefined) return null;
    try {
      return JSON.parse(JSON.stringify(v, function (k, x) { return typeof x === "function" ? "[function]" : x; }));
    } catch (e) {
      return "[" + typeof v + "]";
    }
  }

  function readOpen() {
    try { return w.sessionStorage.getItem(openKey) !== "0"; } catch (e) { return true; }
  }

  function saveOpen() {
    try { w.sessionStorage.setItem(openKey, panelOpen ? "1" : "0"); } catch (e) { /* private mode */ }
  }

  function el(tag, css, text) {
    var e = d.createElement(tag);
    if (css) e.style.cssText = css; // CSSOM, not a style attribute
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // The elements, built once; render() fills them in.
  var root = el("div", "position:fixed;right:20px;bottom:20px;z-index:2147483000;font:13px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;color:#1a1a1a;display:flex;flex-direction:column;align-items:flex-end;gap:12px");
  root.id = "intercom-standin";
  root.setAttribute("data-intercom-standin", "");
  var panel = el("section", "width:380px;max-width:calc(100vw - 40px);max-height:calc(100vh - 120px);overflow:auto;background:#fff;border-radius:14px;box-shadow:0 8px 32px rgba(0,0,0,.22);border:1px solid #d8dee4");
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", "Messenger stand-in");
  panel.setAttribute("data-standin", "panel");
  var head = el("header", "background:#1f6feb;color:#fff;padding:12px 14px;border-radius:14px 14px 0 0;display:flex;justify-content:space-between;align-items:flex-start;gap:8px");
  var titles = el("div");
  titles.appendChild(el("div", "font-weight:600;font-size:15px", "Messenger stand-in"));
  var sub = el("div", "opacity:.85;font-size:12px", "");
  titles.appendChild(sub);
  var close = el("button", "background:none;border:0;color:#fff;font-size:20px;line-height:1;cursor:pointer;padding:0 2px", "\u00d7");
  close.setAttribute("aria-label", "Close");
  close.addEventListener("click", function () { setOpen(false); });
  head.appendChild(titles);
  head.appendChild(close);
  panel.appendChild(head);
  var body = el("div", "padding:10px 14px 14px");
  panel.appendChild(body);

  function section(title) {
    var s = el("div", "margin-top:10px");
    s.appendChild(el("div", "font-weight:600;font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:#57606a;margin-bottom:4px", title));
    var c = el("div");
    s.appendChild(c);
    body.appendChild(s);
    return c;
  }
  var visitorBox = section("Visitor");
  var identityBox = section("Identity verification");
  var composerBox = section("Composer");
  var callsBox = section("Messenger calls, as they arrive");
  var settingsBox = section("Settings received");
  composerBox.parentNode.style.display = "none";

  var launcher = el("button", "width:60px;height:60px;border-radius:50%;border:0;background:#1f6feb;box-shadow:0 4px 16px rgba(0,0,0,.25);cursor:pointer;display:flex;align-items:center;justify-content:center;padding:0");
  launcher.setAttribute("aria-label", "Open the Messenger stand-in");
  launcher.setAttribute("data-standin", "launcher");
  launcher.appendChild(bubbleIcon());
  launcher.addEventListener("click", function () { setOpen(!panelOpen); });
  root.appendChild(panel);
  root.appendChild(launcher);

  function bubbleIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = d.createElementNS(ns, "svg");
    svg.setAttribute("width", "30");
    svg.setAttribute("height", "30");
    svg.setAttribute("viewBox", "0 0 24 24");
    var p = d.createElementNS(ns, "path");
    p.setAttribute("fill", "#fff");
    p.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z");
    svg.appendChild(p);
    return svg;
  }

  function setOpen(open) {
    if (open === panelOpen) return;
    panelOpen = open;
    saveOpen();
    render();
    var fn = handlers[open ? "onShow" : "onHide"];
    if (typeof fn === "function") { try { fn(); } catch (e) { /* the app's callback */ } }
  }

  function row(parent, label, value, css) {
    var r = el("div", "display:flex;gap:6px");
    r.appendChild(el("span", "color:#57606a;min-width:72px", label));
    r.appendChild(el("span", "word-break:break-all;" + (css || ""), value));
    parent.appendChild(r);
  }

  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }

  function json(v) {
    try { return JSON.stringify(v); } catch (e) { return String(v); }
  }

  // describe writes a call as the page made it; settings objects (boot,
  // update) by their keys, as the panel shows them in full below.
  function describe(c) {
    return c.method + "(" + c.args.map(function (a) {
      if ((c.method === "boot" || c.method === "update") && a && typeof a === "object") {
        return "{" + Object.keys(a).sort().join(", ") + "}";
      }
      return json(a);
    }).join(", ") + ")";
  }

  function render() {
    var s = rec.settings || {};
    sub.textContent = "local demo widget, not Intercom" + (s.app_id ? " \u00b7 app " + s.app_id : "");
    panel.style.display = panelOpen ? "block" : "none";
    launcher.style.display = rec.booted ? "flex" : "none";
    root.style.display = rec.booted || rec.calls.length ? "flex" : "none";

    clear(visitorBox);
    if (!rec.booted) {
      row(visitorBox, "status", "shut down: no Messenger session", "color:#cf222e");
    } else if (s.user_id !== undefined || s.email !== undefined) {
      row(visitorBox, "status", "booted for an identified user", "color:#1a7f37");
      if (s.name !== undefined) row(visitorBox, "name", String(s.name));
      if (s.email !== undefined) row(visitorBox, "email", String(s.email));
      if (s.user_id !== undefined) row(visitorBox, "user_id", String(s.user_id));
    } else {
      row(visitorBox, "status", "booted for an anonymous visitor", "color:#1a7f37");
    }

    clear(identityBox);
    var v = rec.verification;
    var text = "no user_hash sent", css = "color:#57606a";
    if (v && v.state === "pending") { text = "checking the user_hash\u2026"; }
    if (v && v.state === "verified") { text = "\u2713 user_hash verifies (HMAC-SHA256 of " + v.subject + " with the server's secret)"; css = "color:#1a7f37"; }
    if (v && v.state === "mismatch") { text = "\u2717 user_hash does NOT verify against the server's secret"; css = "color:#cf222e"; }
    if (v && v.state === "unavailable") { text = "cannot check: " + v.reason; }
    if (v && v.state === "jwt") { text = "intercom_user_jwt sent (this stand-in does not check JWTs)"; }
    row(identityBox, "user_hash", text, css);

    composerBox.parentNode.style.display = composer === null ? "none" : "block";
    clear(composerBox);
    if (composer !== null) composerBox.appendChild(el("div", "border:1px solid #d8dee4;border-radius:8px;padding:6px 8px;background:#f6f8fa", composer || "(empty message)"));

    clear(callsBox);
    if (!rec.calls.length) callsBox.appendChild(el("div", "color:#57606a", "none yet"));
    var list = el("ol", "margin:0;padding-left:18px");
    rec.calls.forEach(function (c) {
      var li = el("li", "margin:2px 0");
      li.appendChild(el("code", "font:12px/1.4 ui-monospace,monospace;word-break:break-all", describe(c)));
      li.appendChild(el("span", "color:#57606a;font-size:11px", " \u2014 " + c.path + (c.source === "queue" ? ", queued before the widget loaded" : c.source === "settings" ? ", from window.intercomSettings" : "")));
      list.appendChild(li);
    });
    callsBox.appendChild(list);

    clear(settingsBox);
    settingsBox.appendChild(el("pre", "margin:0;font:12px/1.4 ui-monospace,monospace;background:#f6f8fa;border-radius:8px;padding:8px;white-space:pre-wrap;word-break:break-all", rec.booted ? JSON.stringify(s, null, 2) : "(none: shut down)"));
  }

  // attach puts the elements at the end of <body>, as the real widget does.
  function attach() {
    // A page snapshot (Turbo's cache) may hold a dead copy of them.
    var stale = d.querySelectorAll("[data-intercom-standin]");
    for (var i = 0; i < stale.length; i++) if (stale[i] !== root) stale[i].parentNode.removeChild(stale[i]);
    if (!root.isConnected && d.body) d.body.appendChild(root);
  }

  function cookieName(kind) {
    return "intercom-" + kind + "-" + ((rec.settings && rec.settings.app_id) || "");
  }

  // verify asks the demo app whether the user_hash is right; the secret stays on the server.
  function verify() {
    var s = rec.settings || {}, seq = ++verifySeq;
    if (s.intercom_user_jwt !== undefined) { rec.verification = {state: "jwt"}; return; }
    if (s.user_hash === undefined) { rec.verification = null; return; }
    rec.verification = {state: "pending"};
    var url = new URL("verify", me && me.src ? me.src : location.href);
    if (url.origin !== location.origin) url = new URL("/demo/verify", location.href);
    fetch(url.href, {method: "POST", headers: {"Content-Type": "application/json"}, credentials: "same-origin",
      body: JSON.stringify({user_id: s.user_id, email: s.email, user_hash: s.user_hash})})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error("HTTP " + r.status)); })
      .then(function (res) {
        if (seq !== verifySeq) return;
        rec.verification = res.verified ? {state: "verified", subject: res.subject} :
          res.reason ? {state: "unavailable", reason: res.reason} : {state: "mismatch", subject: res.subject};
        render();
      }, function (e) {
        if (seq !== verifySeq) return;
        rec.verification = {state: "unavailable", reason: String(e && e.message || e)};
        render();
      });
  }

  // boot builds the launcher in the current <body>, as the real widget does.
  function boot(settings) {
    rec.settings = copy(settings) || {};
    rec.booted = true;
    attach();
    d.cookie = cookieName("session") + "=standin-" + Date.now() + "; path=/; SameSite=Lax";
    verify();
  }

  var methods = {
    boot: function (s) { boot(s || w.intercomSettings); },
    update: function (s) {
      if (!rec.booted) return "ignored: not booted";
      var before = json([rec.settings.user_id, rec.settings.email, rec.settings.user_hash, rec.settings.intercom_user_jwt]);
      if (s && typeof s === "object") {
        var c = copy(s);
        for (var k in c) if (Object.prototype.hasOwnProperty.call(c, k)) rec.settings[k] = c[k];
      }
      if (json([rec.settings.user_id, rec.settings.email, rec.settings.user_hash, rec.settings.intercom_user_jwt]) !== before) verify();
    },
    shutdown: function () {
      // End the session as the real widget does: its cookies go.
      ["session", "id", "device-id"].forEach(function (k) {
        d.cookie = cookieName(k) + "=; Max-Age=0; path=/; SameSite=Lax";
      });
      rec.booted = false;
      rec.settings = null;
      rec.verification = null;
      composer = null;
    },
    reattach_activator: function () { attach(); },
    show: function () { setOpen(true); },
    hide: function () { setOpen(false); },
    showMessages: function () { setOpen(true); },
    showNewMessage: function (text) { composer = text === undefined ? "" : String(text); setOpen(true); },
    startConversation: function (text) { composer = text === undefined ? "" : String(text); setOpen(true); },
    showSpace: function () { setOpen(true); },
    showArticle: function () { setOpen(true); },
    showNews: function () { setOpen(true); },
    showTicket: function () { setOpen(true); },
    showConversation: function () { setOpen(true); },
    startTour: function () {},
    startSurvey: function () {},
    startChecklist: function () {},
    trackEvent: function () {},
    hideNotifications: function () {},
    getVisitorId: function () { return "standin-visitor"; },
    onShow: function (fn) { handlers.onShow = fn; },
    onHide: function (fn) { handlers.onHide = fn; },
    onUnreadCountChange: function (fn) { handlers.onUnreadCountChange = fn; },
    onUserEmailSupplied: function (fn) { handlers.onUserEmailSupplied = fn; }
  };

  function call(source, args) {
    var method = String(args[0]);
    var entry = {method: method, args: copy(Array.prototype.slice.call(args, 1)), path: location.pathname + location.search, source: source};
    rec.calls.push(entry);
    var result;
    if (Object.prototype.hasOwnProperty.call(methods, method)) {
      result = methods[method].apply(null, Array.prototype.slice.call(args, 1));
      if (typeof result === "string" && result.indexOf("ignored") === 0) entry.ignored = result;
    } else {
      entry.unknown = true;
    }
    render();
    return result;
  }

  // Take over from the loader's stub: boot from window.intercomSettings
  // (unless the queue boots), then run what was queued, in order.
  var stub = w.Intercom;
  var queue = stub && stub.q && typeof stub.q.length === "number" ? Array.prototype.slice.call(stub.q) : [];
  w.Intercom = function () { return call("call", arguments); };
  var queuedBoot = queue.some(function (a) { return a && a[0] === "boot"; });
  if (!queuedBoot && w.intercomSettings) call("settings", ["boot", w.intercomSettings]);
  queue.forEach(function (a) { call("queue", a); });
  attach();
  render();
})();
