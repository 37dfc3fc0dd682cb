// The pipeline board: drag a card to another stage and the server decides.
// 200 = moved (the board reloads, so totals stay exact); anything else
// carries the reason as HTML, shown on the card, which goes back where it was.
(function () {
  "use strict";

  function init(root) {
    root.querySelectorAll(".col-cards").forEach(function (list) {
      if (list._sortable) return;
      list._sortable = Sortable.create(list, {
        group: "board", animation: 150, draggable: ".card", filter: ".refusal, a, button, select",
        preventOnFilter: false, delay: 120, delayOnTouchOnly: true,
        onEnd: onDrop
      });
    });
    var board = document.getElementById("board");
    var flash = board && board.dataset.flash && document.getElementById("card-" + board.dataset.flash);
    if (flash) { flash.classList.add("flash"); flash.scrollIntoView({ block: "nearest", inline: "nearest" }); }
  }

  function onDrop(ev) {
    if (ev.from === ev.to) return;
    var card = ev.item;
    move(card, { to: ev.to.dataset.stage, version: card.dataset.version }, function () {
      // Put the card back exactly where it was.
      ev.from.insertBefore(card, ev.from.children[ev.oldIndex] || null);
    });
  }

  function move(card, fields, revert) {
    var board = document.getElementById("board");
    card.classList.add("busy");
    fetch("/opportunities/" + card.dataset.id + "/stage", {
      method: "POST", credentials: "same-origin",
      headers: { "X-Shangji-Board": "1" },
      body: new URLSearchParams(fields)
    }).then(function (res) {
      return res.text().then(function (html) { return { res: res, html: html }; });
    }).then(function (r) {
      card.classList.remove("busy");
      if (r.res.status === 200) {
        shangjiToast(board.dataset.moved);
        reload(card.dataset.id);
        return;
      }
      revert(); // refused (4xx), or 202: waiting for approval, still in its stage
      var msg = card.querySelector(".card-msg");
      msg.innerHTML = (r.res.headers.get("Content-Type") || "").indexOf("text/html") === 0 ? r.html : "";
      if (!msg.innerHTML) shangjiToast(board.dataset.failed);
      card.scrollIntoView({ block: "nearest", inline: "nearest" });
    }).catch(function () {
      card.classList.remove("busy");
      revert();
      shangjiToast(board.dataset.failed);
    });
  }

  function reload(movedID) {
    var u = new URL(location.href);
    u.searchParams.set("moved", movedID);
    htmx.ajax("GET", u.pathname + u.search, { target: "#board", select: "#board", swap: "outerHTML" });
  }

  // The refusal's own form (e.g. the loss reason) moves the card again.
  document.addEventListener("submit", function (e) {
    var f = e.target.closest(".move-form");
    if (!f) return;
    e.preventDefault();
    var card = document.getElementById("card-" + f.dataset.id);
    var fields = Object.fromEntries(new FormData(f));
    card.querySelector(".card-msg").innerHTML = "";
    move(card, fields, function () {});
  });
  document.addEventListener("click", function (e) {
    if (e.target.matches(".refusal .dismiss")) e.target.closest(".card-msg").innerHTML = "";
  });

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function () { init(document); });
})();
