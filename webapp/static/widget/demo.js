// The demo console's own script: it opens the widget with a question and shows the events the widget sends.
(function () {
  "use strict";
  var out = document.getElementById("demo-events");
  function wire() {
    Array.prototype.forEach.call(document.querySelectorAll("button[data-question]"), function (button) {
      button.addEventListener("click", function () { window.KBWidget.open({question: button.getAttribute("data-question")}); });
    });
    window.KBWidget.on("answer", function (answer) { out.textContent = "answer: " + answer.scope + " (" + (answer.plan || "?") + ")"; });
    window.KBWidget.on("ticket", function (ticket) { out.textContent = "ticket: " + ticket.number; });
  }
  if (window.KBWidget) wire(); else document.addEventListener("kbwidget:ready", wire);
})();
