// Rapport's progressive enhancement. Every page works without this file; it only adds speed:
//  - "l" opens the quick-log dialog from any page, "/" jumps to search (not while typing);
//  - the quick log suggests contacts as you type;
//  - the search page shows results as you type.
"use strict";
(function () {
  function typing(target) {
    return target instanceof HTMLElement &&
      (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  // Fetches a page fragment (same origin, session cookie), dropping answers that arrive
  // after a newer request was made.
  function fetcher() {
    let latest = 0;
    return function (url, apply) {
      const mine = ++latest;
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { if (mine === latest) apply(html); })
        .catch(function () {});
    };
  }

  function debounce(fn, ms) {
    let timer;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  const dialog = document.getElementById("quick-log");
  if (dialog && typeof dialog.showModal === "function") {
    const link = document.getElementById("quick-log-link");
    const contact = document.getElementById("ql-contact");
    const options = document.getElementById("ql-options");
    const back = dialog.querySelector('input[name="back"]');
    const open = function () {
      back.value = location.pathname;
      dialog.showModal();
      contact.focus();
    };
    if (link) link.addEventListener("click", function (e) { e.preventDefault(); open(); });
    dialog.querySelector('button[value="cancel"]').addEventListener("click", function () { dialog.close(); });
    const suggest = fetcher();
    contact.addEventListener("input", debounce(function () {
      const q = contact.value.trim();
      if (q.length < 2 || q.startsWith("#")) return;
      suggest("/search?partial=options&q=" + encodeURIComponent(q), function (html) {
        options.innerHTML = html;
      });
    }, 150));
    document.addEventListener("keydown", function (e) {
      if (e.key === "l" && !e.ctrlKey && !e.metaKey && !e.altKey && !typing(e.target) && !dialog.open) {
        e.preventDefault();
        open();
      }
    });
  }

  document.addEventListener("keydown", function (e) {
    const search = document.getElementById("top-q");
    if (e.key === "/" && search && !typing(e.target) && !(dialog && dialog.open)) {
      e.preventDefault();
      search.focus();
    }
  });

  const live = document.querySelector("[data-live-results]");
  if (live) {
    const results = document.getElementById(live.dataset.liveResults);
    const load = fetcher();
    live.addEventListener("input", debounce(function () {
      const q = live.value;
      const role = live.form && live.form.elements.role;
      const url = "/search?q=" + encodeURIComponent(q) +
        (role && role.value ? "&role=" + encodeURIComponent(role.value) : "");
      load(url + "&partial=results", function (html) {
        results.innerHTML = html;
        history.replaceState(null, "", url);
      });
    }, 150));
  }
})();
