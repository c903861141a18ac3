// Offline search for the fedlearn-edu site: search-index.js (written by authoring/site.py) defines
// window.FEDLEARN_SEARCH = [{u: address, t: heading, p: page, x: text}, ...]; this file filters it as you
// type. No server and no network: it works from file:// and from any static host.
(function () {
  "use strict";
  var box = document.getElementById("search-box");
  var list = document.getElementById("search-results");
  var entries = window.FEDLEARN_SEARCH || [];
  if (!box || !list) return;

  function words(query) {
    return query.toLowerCase().split(/\s+/).filter(function (w) { return w.length > 1; });
  }

  function show(query) {
    var terms = words(query);
    list.textContent = "";
    if (!terms.length) return;
    var hits = [];
    entries.forEach(function (e) {
      var title = e.t.toLowerCase(), text = e.x.toLowerCase(), score = 0;
      for (var i = 0; i < terms.length; i++) {
        var inTitle = title.indexOf(terms[i]) >= 0, inText = text.indexOf(terms[i]) >= 0;
        if (!inTitle && !inText) return;
        score += (inTitle ? 5 : 0) + (inText ? 1 : 0);
      }
      hits.push({e: e, score: score});
    });
    hits.sort(function (a, b) { return b.score - a.score; });
    if (!hits.length) {
      var none = document.createElement("li");
      none.textContent = document.documentElement.lang === "zh"
        ? "\u6ca1\u6709\u627e\u5230\u201c" + query + "\u201d\u3002"  // 没有找到“…”。
        : "Nothing found for \u201c" + query + "\u201d.";
      list.appendChild(none);
      return;
    }
    hits.slice(0, 12).forEach(function (hit) {
      var item = document.createElement("li"), link = document.createElement("a"), where = document.createElement("small");
      link.href = hit.e.u;
      link.textContent = hit.e.t;
      var at = hit.e.x.toLowerCase().indexOf(terms[0]);
      var start = Math.max(0, at - 60);
      where.textContent = hit.e.p + (at >= 0 ? " \u2014 \u2026" + hit.e.x.slice(start, start + 160) + "\u2026" : "");
      item.appendChild(link);
      item.appendChild(where);
      list.appendChild(item);
    });
  }

  box.addEventListener("input", function () { show(box.value); });
  var asked = new URLSearchParams(window.location.search).get("q");
  if (asked) { box.value = asked; show(asked); }
})();
