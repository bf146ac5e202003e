/* "全选": a checkbox that ticks or clears every enabled [name=items] checkbox of the bulk form it sits
   before (the review queue's rows). It mirrors the rows: ticked when all are, half-ticked when some are.
   Without JavaScript it stays hidden and each row is ticked by hand. */
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) { return; }
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[type="checkbox"][name="items"]'))
    .filter(function (box) { return !box.disabled; });
  if (!boxes.length) { return; }
  all.hidden = false;

  function mirror() {
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    all.checked = ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }

  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
    mirror();
  });
  boxes.forEach(function (box) { box.addEventListener("change", mirror); });
  mirror();
})();
