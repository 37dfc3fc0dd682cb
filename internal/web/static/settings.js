// Settings: the health weights and the role split show their sum as they
// are typed (each must add up to 100; the server checks it again).
(function () {
  "use strict";
  document.querySelectorAll("fieldset[data-sum]").forEach(function (fs) {
    var out = fs.querySelector("output.sum");
    function update() {
      var sum = 0;
      fs.querySelectorAll("input[type=number]").forEach(function (i) { sum += parseInt(i.value, 10) || 0; });
      out.textContent = fs.dataset.label.replace("%d", sum);
      out.classList.toggle("off", String(sum) !== fs.dataset.sum);
    }
    fs.addEventListener("input", update);
    update();
  });
})();
