/* ollama-conformance report page: builds the filters, opens evidence, wires the matrix's clicks.
   No network, no libraries. URL hash: #open=<check id> opens that check's evidence;
   #outcome=failed&category=stream&endpoint=...&q=text presets the filters. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var merged = data.kind === "merged";
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.check"));
  var state = { outcome: "", severity: "", category: "", endpoint: "", q: "", regressed: false, changed: false };
  var controls = {};

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function outcomesOf(row) {
    return (merged ? row.getAttribute("data-outcomes") : row.getAttribute("data-outcome")).split(" ");
  }

  function wireMatrix() {
    // The matrix is written in the page (it reads without JavaScript); a click filters the results.
    Array.prototype.forEach.call(document.querySelectorAll("#matrix-table button[data-endpoint]"), function (btn) {
      btn.addEventListener("click", function () {
        setFilters({ endpoint: btn.getAttribute("data-endpoint"), category: btn.getAttribute("data-category"), outcome: "" });
        document.getElementById("results").scrollIntoView();
      });
    });
  }

  function distinct(attr) {
    var seen = {};
    rows.forEach(function (r) {
      (attr === "outcome" ? outcomesOf(r) : [r.getAttribute("data-" + attr)]).forEach(function (v) {
        if (v && v !== "none") { seen[v] = (seen[v] || 0) + 1; }
      });
    });
    return seen;
  }

  function addSelect(box, name, label, order) {
    var counts = distinct(name);
    var values = Object.keys(counts).sort(function (a, b) {
      var ia = order ? order.indexOf(a) : -1, ib = order ? order.indexOf(b) : -1;
      return ia !== ib ? ia - ib : (a < b ? -1 : a > b ? 1 : 0);
    });
    var wrap = box.appendChild(el("label", {}, label));
    var sel = wrap.appendChild(el("select", { id: "filter-" + name, name: name }));
    sel.appendChild(el("option", { value: "" }, "any"));
    values.forEach(function (v) { sel.appendChild(el("option", { value: v }, v + " (" + counts[v] + ")")); });
    sel.addEventListener("change", function () { state[name] = sel.value; apply(); });
    controls[name] = sel;
  }

  function addCheck(box, name, label) {
    var wrap = box.appendChild(el("label", { "class": "check" }));
    var input = wrap.appendChild(el("input", { type: "checkbox", id: "filter-" + name }));
    wrap.appendChild(document.createTextNode(label));
    input.addEventListener("change", function () { state[name] = input.checked; apply(); });
    controls[name] = input;
  }

  function buildFilters() {
    var box = document.getElementById("filters");
    if (!box) { return; }
    addSelect(box, "outcome", "Outcome", ["failed", "gap", "info", "skipped", "passed"]);
    addSelect(box, "severity", "Severity", ["failure", "gap", "info"]);
    addSelect(box, "category", "Category", null);
    addSelect(box, "endpoint", "Endpoint", null);
    var wrap = box.appendChild(el("label", {}, "Search"));
    var q = wrap.appendChild(el("input", { type: "search", id: "filter-q", placeholder: "id, message, JSON path\u2026" }));
    q.addEventListener("input", function () { state.q = q.value.toLowerCase(); apply(); });
    controls.q = q;
    if (merged) {
      addCheck(box, "regressed", "regressions only");
      addCheck(box, "changed", "changed between targets");
    }
    var reset = box.appendChild(el("button", { type: "button", id: "filter-reset" }, "Reset"));
    reset.addEventListener("click", function () { setFilters({}); });
    box.appendChild(el("span", { "class": "status", id: "filter-status", "aria-live": "polite" }));
  }

  function setFilters(values) {
    Object.keys(state).forEach(function (key) {
      var v = values[key] !== undefined ? values[key] : (typeof state[key] === "boolean" ? false : "");
      state[key] = v;
      var c = controls[key];
      if (!c) { return; }
      if (c.type === "checkbox") { c.checked = !!v; } else { c.value = v; }
    });
    apply();
  }

  function matches(row) {
    if (state.outcome && outcomesOf(row).indexOf(state.outcome) < 0) { return false; }
    if (state.severity && row.getAttribute("data-severity") !== state.severity) { return false; }
    if (state.category && row.getAttribute("data-category") !== state.category) { return false; }
    if (state.endpoint && row.getAttribute("data-endpoint") !== state.endpoint) { return false; }
    if (state.regressed && row.getAttribute("data-regressed") !== "1") { return false; }
    if (state.changed && row.getAttribute("data-changed") !== "1") { return false; }
    return !state.q || row.getAttribute("data-text").indexOf(state.q) >= 0;
  }

  function apply() {
    var shown = 0;
    rows.forEach(function (row) {
      var ok = matches(row);
      row.hidden = !ok;
      var ev = evidenceRow(row);
      if (ev) { ev.hidden = !ok || row.getAttribute("aria-expanded") !== "true"; }
      if (ok) { shown += 1; }
    });
    var status = document.getElementById("filter-status");
    if (status) { status.textContent = "showing " + shown + " of " + rows.length + " checks"; }
  }

  function evidenceRow(row) { return document.getElementById(row.getAttribute("aria-controls")); }

  function toggle(row, open) {
    var ev = evidenceRow(row);
    if (!ev) { return; }
    ev.hidden = !open;
    row.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      try { history.replaceState(null, "", "#open=" + encodeURIComponent(row.getAttribute("data-id"))); } catch (e) { /* file:// quirks */ }
    }
  }

  function readHash() {
    var hash;
    try { hash = decodeURIComponent(location.hash.replace(/^#/, "")); } catch (e) { return; }  // malformed %-escape
    if (!hash) { return; }
    if (hash.indexOf("open=") === 0) {
      var id = hash.slice(5);
      var row = rows.filter(function (r) { return r.getAttribute("data-id") === id; })[0];
      if (!row) { return; }
      if (row.hidden) { setFilters({}); }
      toggle(row, true);
      var box = row.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) { row.scrollIntoView({ block: "center" }); }
      row.focus({ preventScroll: true });
      return;
    }
    var values = {};
    hash.split("&").forEach(function (pair) {
      var i = pair.indexOf("=");
      if (i > 0 && state.hasOwnProperty(pair.slice(0, i))) {
        var key = pair.slice(0, i), v = pair.slice(i + 1);
        values[key] = typeof state[key] === "boolean" ? v === "1" || v === "true" : (key === "q" ? v.toLowerCase() : v);
      }
    });
    setFilters(values);
  }

  function copy(button) {
    var pre = button.parentNode.nextElementSibling;
    var done = function () { button.textContent = "copied"; setTimeout(function () { button.textContent = "copy"; }, 1500); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(pre.textContent).then(done, function () { selectText(pre); });
    } else { selectText(pre); }
  }

  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  function wire() {
    rows.forEach(function (row) {
      row.addEventListener("click", function () {
        if (String(window.getSelection())) { return; }  // the reader is selecting text
        toggle(row, row.getAttribute("aria-expanded") !== "true");
      });
      row.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(row, row.getAttribute("aria-expanded") !== "true"); }
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("button.copy"), function (b) {
      b.addEventListener("click", function (e) { e.stopPropagation(); copy(b); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-filter-outcome]"), function (b) {
      b.addEventListener("click", function () {
        setFilters({ outcome: b.getAttribute("data-filter-outcome") });
        document.getElementById("results").scrollIntoView();
      });
    });
    window.addEventListener("hashchange", readHash);
  }

  wireMatrix();
  buildFilters();
  wire();
  apply();  // also hides every evidence row: the HTML leaves them open for readers without JavaScript
  readHash();
  document.body.setAttribute("data-ready", "1");
})();
