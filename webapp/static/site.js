/* Small enhancements; every page works without this file. */
(function () {
  "use strict";
  // The search filters fold away on a phone; on a wider screen they are simply shown.
  if (window.matchMedia("(min-width: 40rem)").matches) {
    document.querySelectorAll("details.filters-fold").forEach(function (d) { d.open = true; });
  }
})();
