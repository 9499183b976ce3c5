// The examples' Turbo set-up, loaded after Turbo on the Turbo pages. Turbo
// keeps a copy of each page it leaves and, on Back and when it shows a
// cached page as a preview, runs that copy's scripts again: the snippet
// would update the Messenger with an old page's settings and run that
// page's queued calls a second time. Taking the snippet out of the page
// before Turbo caches it prevents both (the same as Turbo's
// data-turbo-temporary attribute on the snippet's element).
(function () {
  "use strict";
  if (window.__intercomTurboSetup) return;
  window.__intercomTurboSetup = true;
  document.addEventListener("turbo:before-cache", function () {
    var s = document.getElementById("IntercomSettingsScriptTag");
    if (s) s.parentNode.removeChild(s);
  });
})();
