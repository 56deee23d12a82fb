// Comfort only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // A facet checkbox goes straight to its toggle URL (built by the server);
  // sort, page size and the search options submit the search form.
  // The value is remembered for the next page, so focus comes back to it
  // (keyboard users keep their place).
  var FOCUS_KEY = "etslib:focus";
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (!(el instanceof HTMLElement)) return;
    if (el.dataset.toggleUrl) {
      try {
        sessionStorage.setItem(FOCUS_KEY, JSON.stringify({ name: el.name, value: el.value }));
      } catch (e) { /* storage off: focus goes to the facet's heading */ }
      // Without the #facet-… of the URL: scrolling to a fragment takes focus
      // to the page; focusing the value scrolls to it anyway.
      window.location.assign(el.dataset.toggleUrl.split("#")[0]);
    } else if (el.hasAttribute("data-autosubmit") && el.form) {
      if (el.form.requestSubmit) el.form.requestSubmit(); else el.form.submit();
    }
  });

  // Leave empty fields and defaults out of the URL (?q=cap, not
  // ?q=cap&year_from=&year_to=&sort=relevance&limit=10): same search, shorter link.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement) || form.id !== "search") return;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled) return;
      var isDefault = el.dataset && el.dataset.default !== undefined && el.value === el.dataset.default;
      if ((el.value === "" && el.type !== "checkbox") || isDefault) {
        el.disabled = true;
        el.dataset.reenable = "1";
      }
    });
  });
  // Coming back (history), the fields must work again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("[data-reenable]").forEach(function (el) {
      el.disabled = false;
      delete el.dataset.reenable;
    });
  });

  // "/" focuses the search box, unless one is typing somewhere already.
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var t = ev.target;
    if (t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var q = document.getElementById("q");
    if (!q) return;
    ev.preventDefault();
    q.focus();
    q.select();
  });

  // Back from ticking a facet value: focus that value again, else the facet.
  (function restoreFocus() {
    var saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(FOCUS_KEY) || "null");
      sessionStorage.removeItem(FOCUS_KEY);
    } catch (e) { saved = null; }
    var target = null;
    if (saved && saved.name) {
      document.querySelectorAll("#filters input[type=checkbox]").forEach(function (box) {
        if (!target && box.name === saved.name && box.value === saved.value) target = box;
      });
      if (target) {
        var more = target.closest("details.facet__more");
        if (more) more.open = true;
      }
    }
    if (!target && /^#facet-[\w-]+$/.test(window.location.hash)) {
      var section = document.getElementById(window.location.hash.slice(1));
      target = section && section.querySelector(".facet__title");
    }
    if (target) target.focus();
  })();

  // Long facet lists: find a value, and order them by count or A–Z.
  document.querySelectorAll("[data-facet-tools]").forEach(function (tools) {
    var facet = tools.closest(".facet");
    var merged = false;
    function blocks() { return facet.querySelectorAll(".facet__block"); }
    // Tools act on the whole list: the "more" values join the first ones.
    function merge() {
      if (merged) return;
      merged = true;
      blocks().forEach(function (block) {
        var list = block.querySelector(".facet__values");
        var more = block.querySelector("details.facet__more");
        if (!more) return;
        more.querySelectorAll(".facet__value").forEach(function (li) { list.appendChild(li); });
        more.remove();
      });
    }
    var find = tools.querySelector("[data-facet-find]");
    var none = tools.querySelector("[data-facet-none]");
    // The list narrows as one types: no page load (the form is the fallback).
    find.form.addEventListener("submit", function (e) { e.preventDefault(); });
    find.addEventListener("input", function () {
      merge();
      var needle = find.value.trim().toLocaleLowerCase();
      var shown = 0;
      blocks().forEach(function (block) {
        var inBlock = 0;
        block.querySelectorAll(".facet__value").forEach(function (li) {
          var hit = !needle || (li.dataset.label || "").toLocaleLowerCase().indexOf(needle) !== -1;
          li.hidden = !hit;
          if (hit) inBlock++;
        });
        block.hidden = inBlock === 0;
        shown += inBlock;
      });
      none.hidden = shown > 0;
    });
    tools.querySelectorAll("[data-facet-sort]").forEach(function (button) {
      button.addEventListener("click", function (e) {
        e.preventDefault();  // ordered in place (the link is the fallback)
        merge();
        var how = button.dataset.facetSort;
        tools.querySelectorAll("[data-facet-sort]").forEach(function (b) {
          if (b === button) b.setAttribute("aria-current", "true"); else b.removeAttribute("aria-current");
        });
        var collator = window.Intl ? new Intl.Collator(document.documentElement.lang || undefined, { sensitivity: "base" }) : null;
        blocks().forEach(function (block) {
          var list = block.querySelector(".facet__values");
          var items = Array.prototype.slice.call(list.querySelectorAll(".facet__value"));
          items.sort(function (a, b) {
            if (how === "count") {
              var d = Number(b.dataset.count) - Number(a.dataset.count);
              if (d) return d;
            }
            var x = a.dataset.label || "", y = b.dataset.label || "";
            return collator ? collator.compare(x, y) : (x < y ? -1 : x > y ? 1 : 0);
          });
          items.forEach(function (li) { list.appendChild(li); });
        });
      });
    });
  });

  // The reading list: the same cookie the server reads (webui/readinglist.py),
  // written here so keeping a document needs no reload.
  var LIST_COOKIE = "etslib_list", LIST_MAX = 100;
  function listIds() {
    var m = document.cookie.match(/(?:^|;\s*)etslib_list=([^;]*)/);
    if (!m || !m[1]) return [];
    return m[1].split(",").map(function (p) {
      try { return decodeURIComponent(p); } catch (e) { return ""; }
    }).filter(function (id, i, all) { return id && all.indexOf(id) === i; });
  }
  function saveIds(ids) {
    ids = ids.slice(0, LIST_MAX);
    var value = ids.map(encodeURIComponent).join(",");
    document.cookie = LIST_COOKIE + "=" + value + "; path=/; max-age=" + (ids.length ? 31536000 : 0) + "; samesite=lax" + (window.location.protocol === "https:" ? "; secure" : "");
    document.querySelectorAll("[data-list-count]").forEach(function (el) {
      el.textContent = ids.length ? " (" + ids.length + ")" : "";
    });
  }
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("keep")) return;
    var button = form.querySelector("[data-list-toggle]");
    if (!button) return;
    ev.preventDefault();
    var id = button.dataset.listToggle;
    var ids = listIds();
    var at = ids.indexOf(id);
    if (at === -1) ids.push(id); else ids.splice(at, 1);
    saveIds(ids);
    var kept = ids.indexOf(id) !== -1;
    // Every button for this document on the page (a result and its twin).
    document.querySelectorAll("[data-list-toggle]").forEach(function (b) {
      if (b.dataset.listToggle === id) b.setAttribute("aria-pressed", kept ? "true" : "false");
    });
  });

  // On a phone the filter panel starts closed, so the results come first.
  if (window.matchMedia && window.matchMedia("(max-width: 48rem)").matches) {
    document.querySelectorAll("details[data-collapse-narrow]").forEach(function (d) {
      d.removeAttribute("open");
    });
  }

  // Staff pages: follow a reindex live (the page says the same on reload).
  var job = document.querySelector("[data-job-url]");
  if (job && window.fetch) {
    var state = job.querySelector(".job__state");
    var bar = job.querySelector("[data-job-bar]");
    var poll = function () {
      fetch(job.dataset.jobUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) {
          if (!j) return;
          var text;
          if (j.state === "running") {
            text = j.kind.charAt(0).toUpperCase() + j.kind.slice(1) + " reindex running (" + j.phase + "): " + j.done + " of " + j.total + " files.";
          } else if (j.state === "done") {
            text = "Last reindex (" + j.kind + ") finished " + j.finished + ".";
          } else if (j.state === "failed") {
            text = "The last reindex failed: " + j.error;
          } else {
            text = "No reindex has run from these pages yet.";
          }
          if (j.queued) text += " " + j.queued + " more waiting.";
          state.textContent = text;
          bar.value = j.percent;
          job.dataset.state = j.busy ? "busy" : j.state;
          window.setTimeout(poll, j.busy ? 700 : 3000);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    };
    poll();
  }
})();
