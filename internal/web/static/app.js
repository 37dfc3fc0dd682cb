// Small progressive behaviour shared by every page. Pages work without it.
(function () {
  "use strict";
  // Filters apply as soon as a choice changes.
  document.addEventListener("change", function (e) {
    if (e.target.matches("[data-autosubmit]")) e.target.form.requestSubmit();
  });
  // htmx: swap 422 answers too (they carry the form with its errors).
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.htmx) return;
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true, error: false },
      { code: "[45]..", swap: false, error: true }
    ];
  });
  // A long select gets a search box: typing hides the options that do not
  // match (the new-deal form's customer pick). Without script the plain
  // select works.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-filter-select]").forEach(function (box) {
      var sel = document.getElementById(box.dataset.filterSelect);
      if (!sel) return;
      box.hidden = false;
      box.addEventListener("input", function () {
        var q = box.value.trim().toLowerCase(), first = null;
        Array.prototype.forEach.call(sel.options, function (o) {
          var show = !o.value || o.text.toLowerCase().indexOf(q) >= 0;
          o.hidden = !show;
          if (show && o.value && !first) first = o;
        });
        var cur = sel.options[sel.selectedIndex];
        if (q && first && (!cur || cur.hidden || !cur.value)) first.selected = true;
      });
    });
  });
  window.shangjiToast = function (text) {
    var t = document.getElementById("toast");
    if (!t) return;
    t.textContent = text;
    t.classList.add("show");
    clearTimeout(t._h);
    t._h = setTimeout(function () { t.classList.remove("show"); }, 2200);
  };
})();
