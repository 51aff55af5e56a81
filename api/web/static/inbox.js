// Live updates of the team inbox (inbox.html) without reloading: every few seconds the page asks
// /ui/inbox/state for a fingerprint (no personal data, not audited); only when it changed is the page
// fetched again and its list swapped in. While focus is inside the list (a choice half made) it offers a
// button instead of moving things under the user's hands. Without JavaScript the "Vernieuwen" link works.
// Background requests carry X-Background, so an open tab does not keep the session alive.
(function () {
  "use strict";
  var HEADERS = { "X-Background": "1" };

  document.addEventListener("DOMContentLoaded", function () {
    var live = document.getElementById("inbox-live");
    if (!live || !window.fetch || !window.DOMParser) { return; }
    var status = document.getElementById("inbox-status");
    var seconds = parseInt(live.getAttribute("data-poll-seconds"), 10) || 10;
    var busy = false;

    function list() { return document.getElementById("inbox-list"); }

    function editing() {
      var active = document.activeElement;
      return Boolean(active && active !== document.body && list().contains(active));
    }

    function say(text) { status.textContent = text; }

    function swap(html) {
      var fresh = new DOMParser().parseFromString(html, "text/html");
      var next = fresh.getElementById("inbox-list");
      var container = fresh.getElementById("inbox-live");
      if (!next || !container) { return false; } // signed out: the answer is the login page
      list().replaceWith(document.adoptNode(next));
      live.setAttribute("data-version", container.getAttribute("data-version"));
      fresh.querySelectorAll("[data-count]").forEach(function (count) {
        var here = document.querySelector('[data-count="' + count.getAttribute("data-count") + '"]');
        if (here) { here.textContent = count.textContent; }
      });
      document.title = fresh.title;
      return true;
    }

    function refresh() {
      return fetch(window.location.href, { credentials: "same-origin", headers: HEADERS })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html && swap(html)) { say(live.getAttribute("data-updated")); }
        });
    }

    function offer() {
      if (document.getElementById("inbox-refresh-now")) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.id = "inbox-refresh-now";
      button.textContent = live.getAttribute("data-refresh");
      button.addEventListener("click", function () {
        button.remove();
        refresh().then(function () { list().setAttribute("tabindex", "-1"); list().focus(); });
      });
      say(live.getAttribute("data-changed") + " ");
      status.appendChild(button);
    }

    function poll() {
      if (busy || document.hidden) { return; }
      busy = true;
      fetch(live.getAttribute("data-state-url"), { credentials: "same-origin", headers: HEADERS })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (state) {
          if (!state || state.version === live.getAttribute("data-version")) { return null; }
          if (editing()) { offer(); return null; }
          return refresh();
        })
        .catch(function () { return null; })
        .then(function () { busy = false; });
    }

    window.setInterval(poll, seconds * 1000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { poll(); } });
  });
})();
