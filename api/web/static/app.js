// Live SMS segment count under free-text fields (mirrors api/i18n/segments.py: GSM-7 160/153, UCS-2 70/67).
// Loaded as a file because the Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENDED = "^{}\\[~]|€\f";

  function count(text) {
    var gsm = true, septets = 0, i, ch;
    for (i = 0; i < text.length; i++) {
      ch = text.charAt(i);
      if (BASIC.indexOf(ch) >= 0) { septets += 1; }
      else if (EXTENDED.indexOf(ch) >= 0) { septets += 2; }
      else { gsm = false; break; }
    }
    var units = gsm ? septets : text.length; // JS strings are UTF-16, like UCS-2 counting
    var single = gsm ? 160 : 70, multi = gsm ? 153 : 67;
    var segments = units <= single ? 1 : Math.ceil(units / multi);
    return { encoding: gsm ? "GSM-7" : "UCS-2", segments: segments, chars: Array.from(text).length };
  }

  function fill(template, info) {
    return template.replace("{chars}", info.chars).replace("{segments}", info.segments)
      .replace("{encoding}", info.encoding);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var template = document.getElementById("segment-text");
    document.querySelectorAll("textarea[data-segment-counter]").forEach(function (area) {
      var out = document.getElementById(area.getAttribute("data-segment-counter"));
      if (!out || !template) { return; }
      var hint = out.textContent;
      var update = function () {
        out.textContent = area.value.length ? fill(template.content.textContent.trim(), count(area.value)) : hint;
      };
      area.addEventListener("input", update);
      update();
    });
  });
})();

// Tables read as cards on a phone (app.css), each cell under its column's name. Pages write data-label
// themselves (_tables.html); this names the cells of a table that does not, from its header row.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("main table").forEach(function (table) {
      var heads = table.querySelectorAll("thead th");
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, i) {
          if (cell.tagName === "TD" && !cell.hasAttribute("data-label") && heads[i]) {
            cell.setAttribute("data-label", heads[i].textContent.trim());
          }
        });
      });
    });
  });
})();
