// The import screen: send the form with XMLHttpRequest so the page keeps the
// chosen file (the confirmation sends it again) and shows progress: the
// upload's bytes, then the server's stream of rows read and written, whose
// last line carries the report. Without this script the form posts as usual.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  var box = document.getElementById("import-progress");
  var bar = box.querySelector("progress");
  var text = document.getElementById("import-progress-text");
  var words = document.getElementById("import-words").dataset;
  var result = document.getElementById("import-result");

  function say(msg, pct) {
    text.textContent = msg;
    if (pct == null) bar.removeAttribute("value"); else bar.value = pct;
  }
  function fill(tpl, a, b) { return tpl.replace("%d", a).replace("%d", b); }

  // Another kind: show the columns it reads, keeping the chosen file.
  document.getElementById("import-kind").addEventListener("change", function (e) {
    var url = "/imports?kind=" + encodeURIComponent(e.target.value);
    history.replaceState(null, "", url);
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.getElementById("import-fields");
      if (fresh) document.getElementById("import-fields").replaceWith(fresh);
      result.innerHTML = "";
    });
  });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var data = new FormData(form, e.submitter || undefined);
    var buttons = document.querySelectorAll("button[form=import-form], #import-form button");
    buttons.forEach(function (b) { b.disabled = true; });
    box.hidden = false;
    form.classList.add("busy");
    say(fill(words.upload, 0), 0);
    var xhr = new XMLHttpRequest();
    var seen = 0, final = null;
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Shangji-Progress", "1");
    xhr.upload.onprogress = function (ev) {
      if (ev.lengthComputable) say(fill(words.upload, Math.round(ev.loaded * 100 / ev.total)), ev.loaded * 100 / ev.total);
    };
    xhr.upload.onload = function () { say(words.check, null); };
    function lines() {
      var body = xhr.responseText;
      var end = body.lastIndexOf("\n");
      if (end < seen) return;
      body.slice(seen, end).split("\n").forEach(function (line) {
        if (!line) return;
        var m;
        try { m = JSON.parse(line); } catch (err) { return; }
        if (m.html != null) { final = m; return; }
        if (m.phase === "read") say(fill(words.read, m.done), null);
        else if (m.phase === "write") say(fill(words.write, m.done, m.total), m.total ? m.done * 100 / m.total : null);
        else say(words.check, null);
      });
      seen = end + 1;
    }
    xhr.onprogress = lines;
    xhr.onloadend = function () {
      lines();
      buttons.forEach(function (b) { b.disabled = false; });
      form.classList.remove("busy");
      if (!final) { say(words.failed, 0); return; }
      box.hidden = true;
      result.innerHTML = final.html;
      result.scrollIntoView({ behavior: "smooth", block: "start" });
    };
    xhr.send(data);
  });
})();
